// Package vip puts services' cluster IPs on a network device of the node,
// so that connections to them, from the node and from Docker containers
// routed through it, are delivered locally to the agent's service proxy
// (kube-proxy's IPVS mode does the same with its kube-ipvs0 device).
//
// The device is a dummy interface; kernels built without the dummy driver
// get a bridge with no ports instead, which holds addresses the same way.
package vip

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Device is the node's device for one cluster's service addresses.
// Several agents of one cluster on one machine share it: each makes it
// hold the same addresses.
type Device struct {
	link netlink.Link
	log  *slog.Logger
}

// DeviceName names the device of the cluster whose CA certificate is ca:
// "mrn" and 8 hex digits, within the kernel's 15 characters. Clusters on
// one machine get their own devices, so one never removes another's
// addresses.
func DeviceName(ca []byte) string {
	sum := sha256.Sum256(ca)
	return fmt.Sprintf("mrn%x", sum[:4])
}

// Open finds or creates the device called name and brings it up. It needs
// CAP_NET_ADMIN.
func Open(name string, log *slog.Logger) (*Device, error) {
	link, err := netlink.LinkByName(name)
	if err != nil {
		var notFound netlink.LinkNotFoundError
		if !errors.As(err, &notFound) {
			return nil, fmt.Errorf("find device %s: %w", name, err)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		err = netlink.LinkAdd(&netlink.Dummy{LinkAttrs: attrs})
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENODEV) {
			log.Debug("no dummy devices in this kernel; a bridge without ports holds the service addresses", "device", name)
			err = netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
		}
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("create device %s: %w", name, err)
		}
		if link, err = netlink.LinkByName(name); err != nil {
			return nil, fmt.Errorf("find device %s: %w", name, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("bring up device %s: %w", name, err)
	}
	return &Device{link: link, log: log}, nil
}

// Name is the device's name.
func (d *Device) Name() string { return d.link.Attrs().Name }

// Sync makes the device hold exactly ips, each as a host address (/32 or
// /128). It is called by one goroutine; errors name the address.
func (d *Device) Sync(ips []netip.Addr) error {
	have, err := netlink.AddrList(d.link, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list addresses of %s: %w", d.Name(), err)
	}
	want := map[netip.Addr]bool{}
	for _, ip := range ips {
		want[ip.Unmap()] = true
	}
	var errs []error
	for _, a := range have {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if want[ip] {
			delete(want, ip)
			continue
		}
		if err := netlink.AddrDel(d.link, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			errs = append(errs, fmt.Errorf("remove %s from %s: %w", ip, d.Name(), err))
		}
	}
	for ip := range want {
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: ip.AsSlice(), Mask: net.CIDRMask(ip.BitLen(), ip.BitLen())}}
		if err := netlink.AddrAdd(d.link, addr); err != nil && !errors.Is(err, unix.EEXIST) {
			errs = append(errs, fmt.Errorf("add %s to %s: %w", ip, d.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// Delete removes the device and every address on it.
func (d *Device) Delete() error {
	if err := netlink.LinkDel(d.link); err != nil {
		return fmt.Errorf("delete device %s: %w", d.Name(), err)
	}
	return nil
}
