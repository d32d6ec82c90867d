// Package version tells which Marina this is and which Kubernetes API it
// serves.
package version

// Version is Marina's version, set at build time with
// -ldflags "-X github.com/marina-orchestrator/marina/internal/version.Version=...".
var Version = "dev"

// KubernetesVersion is the Kubernetes API version Marina serves: that of
// the k8s.io libraries it is built with.
const KubernetesVersion = "1.37.2"
