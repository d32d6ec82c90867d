package defaults

import (
	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// setContainerDefaults defaults one container and everything nested in it.
func setContainerDefaults(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = DefaultImagePullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for i := range c.Env {
		setEnvVarSourceDefaults(c.Env[i].ValueFrom)
	}
	setResourceRequirementsDefaults(&c.Resources)
	setProbeDefaults(c.LivenessProbe)
	setProbeDefaults(c.ReadinessProbe)
	setProbeDefaults(c.StartupProbe)
	if c.Lifecycle != nil {
		setLifecycleHandlerDefaults(c.Lifecycle.PostStart)
		setLifecycleHandlerDefaults(c.Lifecycle.PreStop)
	}
}

// DefaultImagePullPolicy returns the pull policy Kubernetes picks for an
// image when none is given: Always for the :latest tag (explicit or implied
// by the absence of a tag and digest), because that tag moves; IfNotPresent
// otherwise. An unparsable reference gets IfNotPresent, as in Kubernetes;
// validation rejects it later.
func DefaultImagePullPolicy(image string) corev1.PullPolicy {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return corev1.PullIfNotPresent
	}
	if tagged, ok := named.(reference.Tagged); ok {
		if tagged.Tag() == "latest" {
			return corev1.PullAlways
		}
		return corev1.PullIfNotPresent
	}
	if _, ok := named.(reference.Digested); ok {
		return corev1.PullIfNotPresent
	}
	return corev1.PullAlways
}

func setEnvVarSourceDefaults(src *corev1.EnvVarSource) {
	if src == nil {
		return
	}
	setObjectFieldSelectorDefaults(src.FieldRef)
	if src.FileKeyRef != nil && src.FileKeyRef.Optional == nil {
		src.FileKeyRef.Optional = ptr.To(false)
	}
}

// setObjectFieldSelectorDefaults makes a field path refer to core/v1, the
// only version field selectors have ever been written against.
func setObjectFieldSelectorDefaults(sel *corev1.ObjectFieldSelector) {
	if sel != nil && sel.APIVersion == "" {
		sel.APIVersion = "v1"
	}
}

func setProbeDefaults(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	setHTTPGetActionDefaults(p.HTTPGet)
	if p.GRPC != nil && p.GRPC.Service == nil {
		// An empty service name asks the server for its overall health.
		p.GRPC.Service = ptr.To("")
	}
}

func setLifecycleHandlerDefaults(h *corev1.LifecycleHandler) {
	if h != nil {
		setHTTPGetActionDefaults(h.HTTPGet)
	}
}

func setHTTPGetActionDefaults(a *corev1.HTTPGetAction) {
	if a == nil {
		return
	}
	if a.Path == "" {
		a.Path = "/"
	}
	if a.Scheme == "" {
		a.Scheme = corev1.URISchemeHTTP
	}
}
