package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// TestDurabilityUnderSIGKILL kills the server while 8 clients create
// objects. After a restart every object whose create was acknowledged is
// there, resourceVersions keep increasing, and a watcher that resumes from
// the last version it saw gets exactly the changes it missed.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			s := StartServer(t, backend)
			ctx := context.Background()
			ns := "durability"
			if _, err := s.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			start, err := s.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}

			// The watcher records the first 100 creates and stops, so that
			// after the restart it has hundreds of changes to catch up on.
			w, err := s.Client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: start.ResourceVersion})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			lastRV := start.ResourceVersion
			watched := make(chan struct{})
			go func() {
				defer close(watched)
				for ev := range w.ResultChan() {
					if ev.Type != watch.Added {
						continue
					}
					cm := ev.Object.(*corev1.ConfigMap)
					seen[cm.Name]++
					lastRV = cm.ResourceVersion
					if len(seen) == 100 {
						w.Stop()
					}
				}
			}()

			// 8 clients create as fast as they can and remember what was acknowledged.
			var mu sync.Mutex
			acked := map[string]string{} // name → resourceVersion
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for c := 0; c < 8; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					client := kubernetes.NewForConfigOrDie(s.Config)
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						name := fmt.Sprintf("c%d-%d", c, i)
						cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"i": strconv.Itoa(i)}}
						created, err := client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
						if err != nil {
							continue // the server is dying; an unacknowledged create may or may not exist
						}
						mu.Lock()
						acked[name] = created.ResourceVersion
						mu.Unlock()
					}
				}(c)
			}
			eventually(t, 30*time.Second, func() error {
				mu.Lock()
				defer mu.Unlock()
				if len(acked) < 300 {
					return fmt.Errorf("%d creates acknowledged so far", len(acked))
				}
				return nil
			})
			<-watched
			s.Kill()
			close(stop)
			wg.Wait()
			t.Logf("%s: %d creates acknowledged before SIGKILL; the watcher saw %d, up to resourceVersion %s", backend, len(acked), len(seen), lastRV)

			s.Start()
			list, err := s.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			stored := map[string]string{}
			for _, cm := range list.Items {
				stored[cm.Name] = cm.ResourceVersion
			}
			maxAcked := uint64(0)
			for name, rv := range acked {
				got, ok := stored[name]
				if !ok {
					t.Errorf("acknowledged create of %s (resourceVersion %s) was lost", name, rv)
					continue
				}
				if got != rv {
					t.Errorf("%s: resourceVersion %s after restart, %s when created", name, got, rv)
				}
				maxAcked = max(maxAcked, mustRV(t, rv))
			}

			after, err := s.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-restart"}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rv := mustRV(t, after.ResourceVersion); rv <= maxAcked {
				t.Errorf("resourceVersion went backwards: %d after restart, %d acknowledged before", rv, maxAcked)
			}

			// Resume the watch where it stopped: every object not yet seen
			// arrives exactly once, and nothing already seen comes again.
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			w2, err := s.Client.CoreV1().ConfigMaps(ns).Watch(wctx, metav1.ListOptions{ResourceVersion: lastRV})
			if err != nil {
				t.Fatalf("resume watch from %s: %v", lastRV, err)
			}
			defer w2.Stop()
			for ev := range w2.ResultChan() {
				if ev.Type == watch.Error {
					t.Fatalf("resumed watch failed: %v", ev.Object)
				}
				cm := ev.Object.(*corev1.ConfigMap)
				if ev.Type != watch.Added {
					t.Errorf("unexpected %s event for %s", ev.Type, cm.Name)
					continue
				}
				if cm.Name == "after-restart" {
					break
				}
				seen[cm.Name]++
			}
			for name, n := range seen {
				if n != 1 {
					t.Errorf("watchers saw %s %d times", name, n)
				}
				if _, ok := stored[name]; !ok {
					t.Errorf("watchers saw %s, which is not stored", name)
				}
			}
			for name := range stored {
				if seen[name] != 1 {
					t.Errorf("%s is stored but the watchers saw it %d times", name, seen[name])
				}
			}
		})
	}
}

func mustRV(t *testing.T, rv string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q is not a number: %v", rv, err)
	}
	return n
}
