// Package dns is the cluster DNS of a node agent: what CoreDNS with its
// kubernetes, forward and loadbalance plugins is to a Kubernetes cluster,
// following the Kubernetes DNS-based service discovery specification
// (version SpecVersion).
//
// The package has a pure core and an I/O edge:
//
//   - buildZone turns the complete lists of Services and EndpointSlices into
//     an immutable zone, and zone.answer answers one question from it. No
//     I/O, no clock: table tests drive them directly.
//
//   - Server holds the current zone behind an atomic pointer that Sync
//     replaces whole, serves UDP and TCP (Listen), and forwards what is not
//     the cluster's to the node's resolvers. The zone also holds its
//     address records in wire form, which the UDP loop copies into the
//     replies to the commonest query (udp.go, wire.go).
//
// Records under the cluster domain (cluster.local. by default), all with
// the AA bit and the configured TTL (5 s):
//
//	<svc>.<ns>.svc             A/AAAA  the ClusterIPs; for a headless service
//	                                   the ready endpoint addresses (all of
//	                                   them with publishNotReadyAddresses)
//	                           CNAME   spec.externalName, for any qtype
//	                           SRV     one per port (and endpoint, headless)
//	_<port>._<proto>.<svc>.<ns>.svc
//	                           SRV     named ports: priority 0, weight 100/n
//	                                   (at least 1), target the service name
//	                                   or, headless, the endpoint name; the
//	                                   targets' addresses in additional
//	<host>.<svc>.<ns>.svc      A/AAAA  headless endpoints; host is the
//	                                   endpoint's hostname (a StatefulSet
//	                                   pod's) or its dashed address
//	<a-b-c-d>.<ns>.pod         A/AAAA  any dashed address, not looked up
//	                                   (CoreDNS "pods insecure")
//	dns-version                TXT     SpecVersion
//	(apex)                     SOA NS
//	d.c.b.a.in-addr.arpa.      PTR     ClusterIPs and headless endpoints, to
//	(and ip6.arpa.)                    the service or endpoint name
//
// A name of the cluster domain with no records of the asked type answers
// NODATA (NOERROR, no answers), a name that does not exist NXDOMAIN, both
// with the zone's SOA. Everything else, reverse names that are not ours
// included, goes to the upstreams. A CNAME answer is followed to its
// target's addresses (from the zone, or upstream) because stub resolvers do
// not follow it themselves.
//
// Differences from CoreDNS worth knowing: no wildcard queries (CoreDNS
// dropped them too); NS answers carry no glue address; no cache; no loop
// detection, so an upstream must not be this server.
package dns
