package agent

import (
	"os"
	"path/filepath"
	"testing"
)

// Two agents on one machine never hand out the same address; a restarted
// agent keeps its pods' addresses; the address of an agent whose data is
// gone is taken over.
func TestPodIPsAreUniqueOnTheMachine(t *testing.T) {
	claims := t.TempDir()
	dirA, dirB := t.TempDir(), t.TempDir()
	a, err := loadPodIPs(dirA, claims)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadPodIPs(dirB, claims)
	if err != nil {
		t.Fatal(err)
	}
	ipA, _ := a.get("pod-a")
	ipB, _ := b.get("pod-b")
	if ipA == "" || ipA == ipB {
		t.Fatalf("agents got %q and %q", ipA, ipB)
	}
	a2, err := loadPodIPs(dirA, claims)
	if err != nil {
		t.Fatal(err)
	}
	if ip, _ := a2.get("pod-a"); ip != ipA {
		t.Errorf("after a restart pod-a has %s, had %s", ip, ipA)
	}
	// Agent B's data goes: its claim is stale.
	if err := os.RemoveAll(dirB); err != nil {
		t.Fatal(err)
	}
	c, err := loadPodIPs(t.TempDir(), claims)
	if err != nil {
		t.Fatal(err)
	}
	if ip, _ := c.get("pod-c"); ip != ipB {
		t.Errorf("pod-c got %s, want the stale %s", ip, ipB)
	}
	// Releasing frees the claim for others.
	a2.release("pod-a")
	if _, err := os.Stat(filepath.Join(claims, ipA)); !os.IsNotExist(err) {
		t.Errorf("claim of %s kept after release: %v", ipA, err)
	}
}
