// Package defaults fills in the fields that Kubernetes fills in when an
// object is created or read, so that clients see the same objects from
// Marina as from kube-apiserver.
//
// Marina serves the k8s.io/api types directly, so it cannot use the
// generated defaulters in k8s.io/kubernetes (they live in the main module
// and come with its internal types). The functions here are written from
// the behaviour of pkg/apis/*/v1/defaults.go and the generated
// zz_generated.defaults.go files, which also default nested structs such as
// every container and volume of a pod template. Feature-gated defaults
// follow the gates that are on by default for the API version Marina
// serves.
//
// Defaulting only ever fills in a field that is unset; the few places where
// Kubernetes replaces a user value (the namespace name label, rounding of
// resource quantities up to milli precision, dropping sessionAffinityConfig
// when sessionAffinity is None) are kept because clients rely on them.
//
// AddToScheme registers the functions with a runtime.Scheme, after which
// scheme.Default(obj) applies them; the exported Set*Defaults functions may
// also be called directly.
package defaults
