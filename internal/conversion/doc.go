// Package conversion converts between the Go types of a resource that
// Marina serves in two API versions with different types:
//
//   - autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler, with v2 as
//     the stored (hub) version;
//   - events.k8s.io/v1 and core/v1 Event, with core/v1 as the stored (hub)
//     version.
//
// Every other resource is served from one Go type, so it needs no
// conversion. The rules follow kube-apiserver (pkg/apis/autoscaling/v1 and
// pkg/apis/events/v1 conversion.go): what autoscaling/v1 cannot express is
// kept in the same JSON annotations Kubernetes uses, so an object written
// through one version and read through the other loses nothing.
//
// AddToScheme registers the conversions with a runtime.Scheme, which then
// applies them in scheme.Convert and when encoding or decoding a request.
package conversion
