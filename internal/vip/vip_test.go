package vip

import (
	"log/slog"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

func TestDeviceHoldsAddresses(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs as root; network devices need it")
		}
		t.Skip("network devices need root")
	}
	name := DeviceName([]byte(t.Name() + time.Now().String()))
	d, err := Open(name, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Delete() })
	a, b := netip.MustParseAddr("10.250.0.7"), netip.MustParseAddr("10.250.0.8")
	if err := d.Sync([]netip.Addr{a, b}); err != nil {
		t.Fatal(err)
	}
	// An address on the device is local: a listener on it is reachable.
	ln, err := net.Listen("tcp", netip.AddrPortFrom(a, 0).String())
	if err != nil {
		t.Fatalf("listen on %s: %v", a, err)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", ln.Addr(), err)
	}
	c.Close()
	ln.Close()
	// A second Open finds the same device; Sync drops what is not wanted.
	d2, err := Open(name, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.Sync([]netip.Addr{b}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Listen("tcp", netip.AddrPortFrom(a, 0).String()); err == nil {
		t.Errorf("%s still local after it was removed", a)
	}
	if ln, err := net.Listen("tcp", netip.AddrPortFrom(b, 0).String()); err != nil {
		t.Errorf("%s lost: %v", b, err)
	} else {
		ln.Close()
	}
}
