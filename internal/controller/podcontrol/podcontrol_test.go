package podcontrol

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Unix(10000, 0)

func TestSlowStart(t *testing.T) {
	var calls atomic.Int32
	done, err := SlowStart(10, func() error { calls.Add(1); return nil })
	if err != nil || done != 10 || calls.Load() != 10 {
		t.Errorf("10 creations: done %d, calls %d, err %v", done, calls.Load(), err)
	}
	// Creations failing from the third on: the batch of 2 fails, and no
	// batch of 4 follows.
	calls.Store(0)
	fail := errors.New("quota exceeded")
	done, err = SlowStart(100, func() error {
		if calls.Add(1) > 2 {
			return fail
		}
		return nil
	})
	if !errors.Is(err, fail) || done != 3 || calls.Load() != 3 {
		t.Errorf("failing creations: done %d, calls %d, err %v; want batches of 1 and 2, then a stop at the failure", done, calls.Load(), err)
	}
}

func TestExpectations(t *testing.T) {
	e := NewExpectations()
	k := "ReplicaSet/ns/web"
	if !e.Satisfied(k, t0) {
		t.Fatal("a new set waits for nothing")
	}
	e.ExpectCreations(k, 2, t0)
	e.ObserveCreation(k)
	if e.Satisfied(k, t0) {
		t.Error("satisfied with one of two creations seen")
	}
	e.ObserveCreation(k)
	if !e.Satisfied(k, t0) {
		t.Error("not satisfied once both creations are seen")
	}
	e.ExpectDeletions(k, []types.UID{"victim"}, t0)
	e.ObserveDeletion(k, "someone-else")
	if e.Satisfied(k, t0) {
		t.Error("satisfied by another pod's deletion")
	}
	if !e.Satisfied(k, t0.Add(ExpectationsTimeout+time.Second)) {
		t.Error("still waiting after the timeout")
	}
	e.ObserveDeletion(k, "victim")
	if !e.Satisfied(k, t0) {
		t.Error("not satisfied once the victim's deletion is seen")
	}
}
