package main

import (
	"github.com/marina-orchestrator/marina/bench/internal/benchutil"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// timeFlips turns backends unready and ready again, n times, alternating
// between the two, and times each from the moment a watch sees the pod
// Ready to the first request through the ClusterIP that it answers.
// Requests go every millisecond, each on a new connection (round robin
// then reaches the pod within two of them).
func (c *cluster) timeFlips(ctx context.Context, n int, log *slog.Logger) ([]time.Duration, error) {
	var out []time.Duration
	for i := range n {
		p := c.pods[i%len(c.pods)]
		d, err := c.flip(ctx, p.name)
		if err != nil {
			return out, fmt.Errorf("flip %d (%s): %w", i+1, p.name, err)
		}
		log.Info("readiness flip", "pod", p.name, "ready to first request", d)
		out = append(out, d)
	}
	return out, nil
}

func (c *cluster) flip(ctx context.Context, name string) (time.Duration, error) {
	flag := filepath.Join(c.readyDir, "notready-"+name)
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		return 0, err
	}
	pods := c.client.CoreV1().Pods(namespace)
	if err := benchutil.Poll(ctx, 10*time.Millisecond, c.timeout, func() (bool, error) {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		return err == nil && !podReady(p), err
	}); err != nil {
		return 0, fmt.Errorf("pod not unready: %w", err)
	}
	// Until the proxy has dropped it: 50 answers in a row from the other.
	others := 0
	if err := benchutil.Poll(ctx, time.Millisecond, c.timeout, func() (bool, error) {
		who, err := c.whoAnswers()
		if err != nil || who == name {
			others = 0
		} else {
			others++
		}
		return others == 50, nil
	}); err != nil {
		return 0, fmt.Errorf("the proxy still sends to the unready pod: %w", err)
	}

	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		return 0, err
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + app, ResourceVersion: list.ResourceVersion})
	if err != nil {
		return 0, fmt.Errorf("watch pods: %w", err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	served := make(chan time.Time, 1)
	go func() {
		for ctx.Err() == nil {
			if who, err := c.whoAnswers(); err == nil && who == name {
				served <- time.Now()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if err := os.Remove(flag); err != nil {
		return 0, err
	}
	ready, err := watchReady(ctx, w, name)
	if err != nil {
		return 0, err
	}
	select {
	case t := <-served:
		return t.Sub(ready), nil
	case <-ctx.Done():
		return 0, errors.New("the ready pod got no request through the ClusterIP")
	}
}

// watchReady returns when the watch shows pod name Ready.
func watchReady(ctx context.Context, w watch.Interface, name string) (time.Time, error) {
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return time.Time{}, errors.New("the watch ended")
			}
			if p, ok := ev.Object.(*corev1.Pod); ok && p.Name == name && podReady(p) {
				return time.Now(), nil
			}
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("pod not ready again: %w", ctx.Err())
		}
	}
}

// timeCreates creates n services one after another and times each from
// its create call returning until its name resolves at the cluster DNS,
// asked every millisecond.
func (c *cluster) timeCreates(ctx context.Context, n int) ([]time.Duration, error) {
	conn, err := net.Dial("udp", c.dnsAddr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	co := &dns.Conn{Conn: conn}
	var out []time.Duration
	for i := range n {
		name := fmt.Sprintf("new-%d", i)
		if _, err := c.client.CoreV1().Services(namespace).Create(ctx, service(name, map[string]string{"app": "none"}), metav1.CreateOptions{}); err != nil {
			return out, fmt.Errorf("create service %s: %w", name, err)
		}
		t0 := time.Now()
		m := new(dns.Msg)
		m.SetQuestion(fqdn(name), dns.TypeA)
		if err := benchutil.Poll(ctx, time.Millisecond, c.timeout, func() (bool, error) {
			m.Id++
			return exchange(co, m, time.Now().Add(100*time.Millisecond)) == nil, nil
		}); err != nil {
			return out, fmt.Errorf("%s does not resolve: %w", name, err)
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}
