package alloc

import (
	"errors"
	"net/netip"
	"testing"
)

func TestIPRange(t *testing.T) {
	r, err := NewIPRange(netip.MustParsePrefix("10.43.0.0/29"))
	if err != nil {
		t.Fatal(err)
	}
	// 8 addresses less network and broadcast.
	if r.Free() != 6 {
		t.Fatalf("free %d, want 6", r.Free())
	}
	if ip, _ := r.Nth(0); ip != netip.MustParseAddr("10.43.0.1") {
		t.Errorf("first %s", ip)
	}
	if _, err := r.Nth(6); !errors.Is(err, ErrNotInRange) {
		t.Errorf("Nth(6): %v", err)
	}
	for _, bad := range []string{"10.43.0.0", "10.43.0.7", "10.44.0.1", "::1"} {
		if err := r.Allocate(netip.MustParseAddr(bad)); !errors.Is(err, ErrNotInRange) {
			t.Errorf("Allocate(%s): %v, want not in range", bad, err)
		}
	}
	want := netip.MustParseAddr("10.43.0.3")
	if err := r.Allocate(want); err != nil {
		t.Fatal(err)
	}
	if err := r.Allocate(want); !errors.Is(err, ErrAllocated) {
		t.Errorf("second Allocate: %v", err)
	}
	seen := map[netip.Addr]bool{want: true}
	for range 5 {
		ip, err := r.AllocateNext()
		if err != nil {
			t.Fatal(err)
		}
		if seen[ip] || !r.Contains(ip) {
			t.Fatalf("AllocateNext gave %s twice or outside the range", ip)
		}
		seen[ip] = true
	}
	if _, err := r.AllocateNext(); !errors.Is(err, ErrFull) {
		t.Errorf("full range: %v", err)
	}
	r.Release(want)
	if r.Has(want) {
		t.Error("released address still held")
	}
	if ip, err := r.AllocateNext(); err != nil || ip != want {
		t.Errorf("after release: %s %v", ip, err)
	}
}

func TestIPRangeSizes(t *testing.T) {
	for _, tc := range []struct {
		cidr string
		free int
	}{
		{"10.96.0.0/12", 1<<20 - 2},
		{"fd00::/108", 1<<20 - 1},
		{"fd00::/64", 1 << 20},
	} {
		r, err := NewIPRange(netip.MustParsePrefix(tc.cidr))
		if err != nil {
			t.Fatal(err)
		}
		if r.Free() != tc.free {
			t.Errorf("%s: %d free, want %d", tc.cidr, r.Free(), tc.free)
		}
	}
	if _, err := NewIPRange(netip.MustParsePrefix("10.0.0.0/31")); err == nil {
		t.Error("a /31 has no usable addresses")
	}
	r, _ := NewIPRange(netip.MustParsePrefix("fd00::/120"))
	if err := r.Allocate(netip.MustParseAddr("fd00::ff")); err != nil {
		t.Errorf("last IPv6 address: %v", err)
	}
}

func TestPortRange(t *testing.T) {
	r, err := NewPortRange(30000, 30002)
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "30000-30002" {
		t.Errorf("String %q", r.String())
	}
	if err := r.Allocate(30001); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		port int
		want error
	}{{30001, ErrAllocated}, {29999, ErrNotInRange}, {30003, ErrNotInRange}} {
		if err := r.Allocate(tc.port); !errors.Is(err, tc.want) {
			t.Errorf("Allocate(%d): %v, want %v", tc.port, err, tc.want)
		}
	}
	a, _ := r.AllocateNext()
	b, _ := r.AllocateNext()
	if a == b || a == 30001 || b == 30001 {
		t.Errorf("AllocateNext gave %d and %d", a, b)
	}
	if _, err := r.AllocateNext(); !errors.Is(err, ErrFull) {
		t.Errorf("full: %v", err)
	}
	if _, err := NewPortRange(10, 5); err == nil {
		t.Error("inverted range accepted")
	}
}
