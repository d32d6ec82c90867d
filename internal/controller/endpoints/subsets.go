package endpoints

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// maxEndpointsCapacity bounds the addresses of one Endpoints object, as in
// Kubernetes; beyond it the object is truncated and annotated
// endpoints.kubernetes.io/over-capacity: truncated. EndpointSlices have no
// such limit.
const maxEndpointsCapacity = 1000

// subsetEntry is one pod address offering one port.
type subsetEntry struct {
	addr  corev1.EndpointAddress
	ready bool
	// port is nil for a headless service without ports.
	port *corev1.EndpointPort
}

// repack packs entries into subsets as Kubernetes' RepackSubsets does:
// first the addresses offering each port, then one subset per distinct
// set of addresses with every port that set offers. Pods whose resolved
// ports are the same therefore share a subset. Addresses, ports and
// subsets are sorted so that equal inputs give equal objects.
func repack(entries []subsetEntry) []corev1.EndpointSubset {
	type portAddrs struct {
		port  *corev1.EndpointPort
		ready map[string]bool // address key -> ready
	}
	addrs := map[string]corev1.EndpointAddress{}
	byPort := map[string]*portAddrs{}
	for _, e := range entries {
		ak := e.addr.IP
		if e.addr.TargetRef != nil {
			ak += "/" + string(e.addr.TargetRef.UID)
		}
		addrs[ak] = e.addr
		pk := ""
		if e.port != nil {
			pk = "port:" + endpointPortKey(*e.port)
		}
		pa := byPort[pk]
		if pa == nil {
			pa = &portAddrs{port: e.port, ready: map[string]bool{}}
			byPort[pk] = pa
		}
		pa.ready[ak] = e.ready
	}

	bySet := map[string]*corev1.EndpointSubset{}
	for _, pk := range slices.Sorted(maps.Keys(byPort)) {
		pa := byPort[pk]
		var set strings.Builder
		for _, ak := range slices.Sorted(maps.Keys(pa.ready)) {
			set.WriteString(ak + "=" + strconv.FormatBool(pa.ready[ak]) + ";")
		}
		ss := bySet[set.String()]
		if ss == nil {
			ss = &corev1.EndpointSubset{}
			for ak, ready := range pa.ready {
				if ready {
					ss.Addresses = append(ss.Addresses, addrs[ak])
				} else {
					ss.NotReadyAddresses = append(ss.NotReadyAddresses, addrs[ak])
				}
			}
			slices.SortFunc(ss.Addresses, compareAddresses)
			slices.SortFunc(ss.NotReadyAddresses, compareAddresses)
			bySet[set.String()] = ss
		}
		if pa.port != nil {
			ss.Ports = append(ss.Ports, *pa.port)
		}
	}

	out := make([]corev1.EndpointSubset, 0, len(bySet))
	for _, ss := range bySet {
		slices.SortFunc(ss.Ports, func(a, b corev1.EndpointPort) int {
			return cmp.Compare(endpointPortKey(a), endpointPortKey(b))
		})
		out = append(out, *ss)
	}
	slices.SortFunc(out, compareSubsets)
	return out
}

// truncate cuts subsets down to maxEndpointsCapacity addresses the way
// Kubernetes does: not-ready addresses go first; if the ready ones alone
// are too many, every subset keeps its proportional share of them. It
// reports whether anything was cut.
func truncate(subsets []corev1.EndpointSubset) bool {
	ready, notReady := 0, 0
	for _, ss := range subsets {
		ready += len(ss.Addresses)
		notReady += len(ss.NotReadyAddresses)
	}
	if ready+notReady <= maxEndpointsCapacity {
		return false
	}
	cutReady := ready > maxEndpointsCapacity
	room, total := maxEndpointsCapacity-ready, notReady
	if cutReady {
		room, total = maxEndpointsCapacity, ready
	}
	left := room
	for i := range subsets {
		ss := &subsets[i]
		n := len(ss.NotReadyAddresses)
		if cutReady {
			n = len(ss.Addresses)
		}
		// Shares round up, so the last subsets may get less than theirs.
		keep := min(int(math.Ceil(float64(n)/float64(total)*float64(room))), left)
		if cutReady {
			ss.Addresses = ss.Addresses[:min(keep, len(ss.Addresses))]
			ss.NotReadyAddresses = nil
			left -= len(ss.Addresses)
		} else {
			ss.NotReadyAddresses = ss.NotReadyAddresses[:min(keep, len(ss.NotReadyAddresses))]
			left -= len(ss.NotReadyAddresses)
		}
	}
	return true
}

func endpointPortKey(p corev1.EndpointPort) string {
	return strings.Join([]string{p.Name, strconv.Itoa(int(p.Port)), string(p.Protocol), ptr.Deref(p.AppProtocol, "")}, "/")
}

func compareAddresses(a, b corev1.EndpointAddress) int {
	ref := func(x corev1.EndpointAddress) string {
		if x.TargetRef == nil {
			return ""
		}
		return x.TargetRef.Name + "/" + string(x.TargetRef.UID)
	}
	return cmp.Or(compareIPs(a.IP, b.IP), cmp.Compare(ref(a), ref(b)))
}

// compareSubsets orders subsets by their addresses (the ready ones
// first), then by their ports.
func compareSubsets(a, b corev1.EndpointSubset) int {
	all := func(ss corev1.EndpointSubset) []corev1.EndpointAddress {
		return append(slices.Clip(ss.Addresses), ss.NotReadyAddresses...)
	}
	if c := slices.CompareFunc(all(a), all(b), compareAddresses); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Ports, b.Ports, func(x, y corev1.EndpointPort) int {
		return cmp.Compare(endpointPortKey(x), endpointPortKey(y))
	})
}
