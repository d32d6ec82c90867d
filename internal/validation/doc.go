// Package validation checks the objects Marina serves before they are stored.
//
// Marina stores the k8s.io/api versioned types directly, so every function in
// this package takes a v1 (or v2, for autoscaling) object and returns every
// problem it finds as a field.ErrorList, each error carrying the path of the
// offending field. The rules, error types and messages follow the Kubernetes
// API server (pkg/apis/*/validation in kubernetes/kubernetes) so that clients
// such as kubectl see the same answers they would from a real cluster.
//
// Each kind has a pair of entry points: ValidateX for create, which checks the
// object on its own, and ValidateXUpdate for update, which runs the create
// checks on the new object and adds the metadata update rules (immutable name,
// namespace and uid, resourceVersion required, ...) and the kind's immutable
// fields. Status-only updates have their own functions where the kind has a
// status subresource with rules of its own (pods).
//
// Kubernetes validates objects after defaulting. Marina may or may not have
// defaulted an object by the time it is validated, so fields that Kubernetes
// always defaults (for example a container port's protocol, a pod's
// restartPolicy or dnsPolicy, a Service's type and sessionAffinity) are
// accepted when empty and treated as their documented default. A value that
// is set must still be one of the supported values.
package validation
