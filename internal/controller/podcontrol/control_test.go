package podcontrol

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

// TestControlCreateFailures: creations stop after the batch that failed,
// and every creation not made is taken out of the expectations, so the
// controller is not left waiting for pods that will never come.
func TestControlCreateFailures(t *testing.T) {
	client := fake.NewClientset()
	made := 0
	client.PrependReactor("create", "pods", func(clienttesting.Action) (bool, runtime.Object, error) {
		if made++; made > 2 {
			return true, nil, errors.New("exceeded quota")
		}
		return false, nil, nil
	})
	recorder := record.NewFakeRecorder(100)
	c := Control{Client: client, Recorder: recorder, Expect: NewExpectations(), Now: func() time.Time { return t0 }}
	owner := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: "ns"}}
	var pods []*corev1.Pod
	for i := range 10 {
		pods = append(pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("p", i), Namespace: "ns"}})
	}
	err := c.Create(context.Background(), "ns/owner", owner, pods)
	if err == nil {
		t.Fatal("no error for the failed creations")
	}
	if made != 3 {
		t.Errorf("%d creations sent, want 3 (batches of 1 and 2, then a stop)", made)
	}
	c.Expect.ObserveCreation("ns/owner")
	c.Expect.ObserveCreation("ns/owner")
	if !c.Expect.Satisfied("ns/owner", t0) {
		t.Error("waiting for creations that failed or were never sent")
	}
	if len(recorder.Events) != 3 {
		t.Errorf("%d events, want 2 SuccessfulCreate and 1 FailedCreate", len(recorder.Events))
	}
}
