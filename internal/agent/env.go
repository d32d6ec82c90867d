package agent

import (
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Kinds of objects env vars may refer to.
const (
	kindConfigMap = "configmap"
	kindSecret    = "secret"
)

// lookupFunc reads the data of a ConfigMap or Secret (kind) in a namespace;
// found is false when it does not exist. Secret values come as strings.
type lookupFunc func(kind, namespace, name string) (data map[string]string, found bool, err error)

// refData reads a referenced object: nil without error when it is missing
// and optional, an error naming it when it is missing and required.
func refData(lookup lookupFunc, kind, namespace, name string, optional *bool) (map[string]string, error) {
	data, found, err := lookup(kind, namespace, name)
	if err != nil {
		return nil, err
	}
	if !found {
		if isOptional(optional) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s %q not found", kind, name)
	}
	return data, nil
}

// refKey reads one key of a referenced object; ok is false when an
// optional reference is missing.
func refKey(lookup lookupFunc, kind, namespace, name, key string, optional *bool) (string, bool, error) {
	data, err := refData(lookup, kind, namespace, name, optional)
	if err != nil || data == nil {
		return "", false, err
	}
	v, ok := data[key]
	if !ok {
		if isOptional(optional) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("key %q not found in %s %q", key, kind, name)
	}
	return v, true, nil
}

// envContext is what a container's env may refer to besides objects.
type envContext struct {
	podIP, nodeName string
	// services are the pod's service variables (serviceEnv), which the
	// container's own variables override.
	services [][2]string
}

// containerEnv builds a container's environment as the kubelet does:
// Marina's own variables, then envFrom in order, then env in order (later
// wins), each value with $(VAR) references to earlier variables expanded.
// A reference to a missing ConfigMap, Secret or key is an error unless it
// is optional.
func containerEnv(pod *corev1.Pod, c *corev1.Container, ctx envContext, lookup lookupFunc) ([]string, error) {
	var order []string
	vals := map[string]string{}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	defined := func(k string) (string, bool) { v, ok := vals[k]; return v, ok }

	set("POD_IP", ctx.podIP)
	set("POD_NAME", pod.Name)
	set("POD_NAMESPACE", pod.Namespace)
	set("NODE_NAME", ctx.nodeName)
	set("HOSTNAME", pod.Name)
	for _, kv := range ctx.services {
		set(kv[0], kv[1])
	}

	for _, from := range c.EnvFrom {
		var data map[string]string
		var err error
		switch {
		case from.ConfigMapRef != nil:
			data, err = refData(lookup, kindConfigMap, pod.Namespace, from.ConfigMapRef.Name, from.ConfigMapRef.Optional)
		case from.SecretRef != nil:
			data, err = refData(lookup, kindSecret, pod.Namespace, from.SecretRef.Name, from.SecretRef.Optional)
		}
		if err != nil {
			return nil, err
		}
		for k, v := range data {
			set(from.Prefix+k, v)
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expand(e.Value, defined))
			continue
		}
		v, ok, err := valueFrom(pod, c, e.ValueFrom, ctx, lookup)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if ok {
			set(e.Name, v)
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vals[k])
	}
	return out, nil
}

func isOptional(p *bool) bool { return p != nil && *p }

// valueFrom resolves one env var source; ok is false for an optional
// reference that is missing.
func valueFrom(pod *corev1.Pod, c *corev1.Container, from *corev1.EnvVarSource, ctx envContext, lookup lookupFunc) (string, bool, error) {
	switch {
	case from.FieldRef != nil:
		switch path := from.FieldRef.FieldPath; path {
		case "status.podIP":
			return ctx.podIP, true, nil
		case "metadata.name":
			return pod.Name, true, nil
		case "metadata.namespace":
			return pod.Namespace, true, nil
		case "metadata.uid":
			return string(pod.UID), true, nil
		case "spec.nodeName":
			return ctx.nodeName, true, nil
		case "spec.serviceAccountName":
			return pod.Spec.ServiceAccountName, true, nil
		default:
			if k, ok := strings.CutPrefix(path, "metadata.labels['"); ok {
				return pod.Labels[strings.TrimSuffix(k, "']")], true, nil
			}
			if k, ok := strings.CutPrefix(path, "metadata.annotations['"); ok {
				return pod.Annotations[strings.TrimSuffix(k, "']")], true, nil
			}
			return "", false, fmt.Errorf("fieldRef %s is not supported", path)
		}
	case from.ResourceFieldRef != nil:
		return resourceValue(c, from.ResourceFieldRef)
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		return refKey(lookup, kindConfigMap, pod.Namespace, ref.Name, ref.Key, ref.Optional)
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		return refKey(lookup, kindSecret, pod.Namespace, ref.Name, ref.Key, ref.Optional)
	}
	return "", false, fmt.Errorf("no value source")
}

// resourceValue is a container's request or limit in units of the
// divisor, rounded up, as the downward API gives it.
func resourceValue(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, bool, error) {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", false, fmt.Errorf("resourceFieldRef %q is not supported", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, ok := list[corev1.ResourceName(name)]
	if !ok {
		return "0", true, nil
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	v := math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue()))
	return fmt.Sprintf("%d", int64(v)), true, nil
}

// expand replaces $(VAR) with the value of VAR when it is defined and
// leaves it as written otherwise; $$ is a literal $, as in Kubernetes.
func expand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
