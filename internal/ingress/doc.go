// Package ingress is the data plane of Marina's Ingress controller: an
// HTTP and HTTPS reverse proxy that runs inside every node agent and
// serves the networking.k8s.io/v1 Ingresses of class [ClassName].
//
// The package has a pure core and an I/O edge:
//
//   - [Proxy.Sync] takes complete lists of Ingresses, IngressClasses,
//     Services and EndpointSlices (from the agent's informers), keeps the
//     Ingresses that are Marina's, and builds an immutable routing table
//     (buildTable) and certificate store (buildCerts). Both are swapped in
//     atomically; requests in flight finish on the table they started
//     with.
//
//   - The listeners opened by [Proxy.Start] route each request with
//     (*table).route(host, path) and forward it with
//     httputil.ReverseProxy straight to a ready endpoint of the backend
//     Service, round robin, as ingress-nginx does (not through the
//     ClusterIP).
//
// Routing follows the Ingress specification, with these choices where it
// leaves room:
//
//   - Rules are tried from the most specific host to the least: exact
//     host, then wildcard (*.example.com matches one extra label), then
//     rules without host. A request that no path of its exact host
//     matches falls through to the wildcard and hostless rules, as in
//     Traefik. Only when no rule matches does a spec.defaultBackend
//     apply: that of the first Ingress naming the exact host, else one
//     naming a matching wildcard, else one without host (or without
//     rules).
//   - Within a host, the longest matching path wins, and Exact beats
//     Prefix on equal length. ImplementationSpecific is Prefix. Ties
//     between Ingresses go to the oldest, then namespace/name.
//   - HTTP requests for a host with TLS are served, not redirected.
//   - Backends are plain HTTP/1.1; a failed dial is a 502, not retried on
//     another endpoint. ExternalName Services and resource backends are
//     not supported (503).
//
// Certificates come from kubernetes.io/tls Secrets named in spec.tls and
// are parsed at Sync. The TLS handshake picks one by SNI (exact, then
// wildcard), else the first configured, else a self-signed certificate
// made at [New].
package ingress
