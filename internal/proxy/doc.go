// Package proxy is the service proxy that runs inside each node agent:
// Marina's kube-proxy, in userspace.
//
// The agent's service watcher calls [Proxy.Sync] with the complete lists of
// services and endpoint slices after every change. Sync computes, with a pure
// function, which frontends (ClusterIP, NodePort and LoadBalancer addresses)
// serve which service ports and over which ready backends; it then swaps the
// backend tables atomically and opens or closes listeners so that exactly the
// frontends with at least one ready backend listen. A frontend without ready
// backends has no listener, so the kernel refuses new connections at once, as
// kube-proxy's REJECT rule does.
//
// TCP connections are accepted, given a backend (round robin, or ClientIP
// session affinity) and spliced both ways. UDP datagrams are relayed per
// client flow over a connected socket to the chosen backend; replies leave
// from the frontend socket. See README.md for the data path.
package proxy
