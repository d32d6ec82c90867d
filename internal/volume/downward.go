package volume

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

func (out payload) addDownwardAPI(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, mode int32, allocatable corev1.ResourceList) error {
	for _, it := range items {
		var value string
		var err error
		switch {
		case it.FieldRef != nil:
			value, err = fieldValue(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			value, err = resourceValue(pod, it.ResourceFieldRef, allocatable)
		default:
			err = errors.New("neither fieldRef nor resourceFieldRef is set")
		}
		if err != nil {
			return fmt.Errorf("downwardAPI %q: %w", it.Path, err)
		}
		if err := out.add(it.Path, File{Data: []byte(value), Mode: modeOr(it.Mode, mode)}); err != nil {
			return fmt.Errorf("downwardAPI: %w", err)
		}
	}
	return nil
}

// fieldValue is the value of a downward API fieldRef, as the kubelet
// formats it. Kubernetes allows only the metadata fields in volumes; the
// spec and status fields env vars may use are accepted here as well.
// status.podIP is empty until the pod has an IP; the file catches up on a
// later sync.
func fieldValue(pod *corev1.Pod, path string) (string, error) {
	if field, key, ok := splitSubscript(path); ok {
		switch field {
		case "metadata.labels":
			if errs := validation.IsQualifiedName(key); len(errs) != 0 {
				return "", fmt.Errorf("fieldRef %s: invalid key: %s", path, strings.Join(errs, "; "))
			}
			return pod.Labels[key], nil
		case "metadata.annotations":
			// Annotation keys are matched case-sensitively but may use
			// upper case, which IsQualifiedName alone would refuse.
			if errs := validation.IsQualifiedName(strings.ToLower(key)); len(errs) != 0 {
				return "", fmt.Errorf("fieldRef %s: invalid key: %s", path, strings.Join(errs, "; "))
			}
			return pod.Annotations[key], nil
		}
		return "", fmt.Errorf("fieldRef %s: %s takes no subscript", path, field)
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	}
	return "", fmt.Errorf("fieldRef %s is not supported", path)
}

// splitSubscript splits `field['key']` into field and key.
func splitSubscript(path string) (field, key string, ok bool) {
	rest, ok := strings.CutSuffix(path, "']")
	if !ok {
		return "", "", false
	}
	field, key, ok = strings.Cut(rest, "['")
	if !ok || field == "" {
		return "", "", false
	}
	return field, key, true
}

// formatMap renders labels or annotations as the kubelet does: one
// key="value" line per entry (value Go-quoted), sorted by key, with no
// trailing newline.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%q", k, m[k])
	}
	return b.String()
}

// resourceValue is a container's request or limit in units of the
// divisor (default 1), rounded up. A cpu, memory or ephemeral-storage
// limit the container does not set (or sets to zero) is the node's
// allocatable amount, as in Kubernetes: that is what the container may in
// fact use. Hugepages are never overcommitted, so they have no fallback.
func resourceValue(pod *corev1.Pod, ref *corev1.ResourceFieldSelector, allocatable corev1.ResourceList) (string, error) {
	c := findContainer(pod, ref.ContainerName)
	if c == nil {
		return "", fmt.Errorf("resourceFieldRef: container %q not found", ref.ContainerName)
	}
	kind, res, _ := strings.Cut(ref.Resource, ".")
	name := corev1.ResourceName(res)
	overcommitted := name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage
	if !overcommitted && !strings.HasPrefix(res, corev1.ResourceHugePagesPrefix) {
		return "", fmt.Errorf("resourceFieldRef %q is not supported", ref.Resource)
	}
	var q resource.Quantity
	var ok bool
	switch kind {
	case "requests":
		q, ok = c.Resources.Requests[name]
	case "limits":
		q, ok = c.Resources.Limits[name]
		if (!ok || q.IsZero()) && overcommitted {
			if a, found := allocatable[name]; found {
				q, ok = a, true
			}
		}
	default:
		return "", fmt.Errorf("resourceFieldRef %q is not supported", ref.Resource)
	}
	if !ok {
		return "0", nil
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	return ceilDiv(q.DeepCopy(), divisor.DeepCopy()), nil
}

// findContainer finds a container or init container (sidecars have
// resources too) by name.
func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for _, cs := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range cs {
			if cs[i].Name == name {
				return &cs[i]
			}
		}
	}
	return nil
}

// ceilDiv is ⌈q/d⌉ computed exactly, as a decimal string. It is "0" when q
// or d is not positive and saturates at MaxInt64, as Kubernetes does.
func ceilDiv(q, d resource.Quantity) string {
	if q.Sign() <= 0 || d.Sign() <= 0 {
		return "0"
	}
	// A quantity is unscaled·10^-scale.
	qd, dd := q.AsDec(), d.AsDec()
	qu, du := new(big.Int).Set(qd.UnscaledBig()), new(big.Int).Set(dd.UnscaledBig())
	qs, ds := int64(qd.Scale()), int64(dd.Scale())

	// Compare magnitudes before aligning scales: aligning multiplies by
	// 10^|qs-ds|, which for a quantity written 1e1000000 would be a
	// million digits. With 10^(m-1) <= x < 10^m for each side,
	// q/d > 10^(qm-dm-1) and q/d < 10^(qm-dm+1).
	qm := int64(len(qu.Text(10))) - qs
	dm := int64(len(du.Text(10))) - ds
	switch {
	case qm-dm-1 >= 19: // q/d > 10^19 > MaxInt64
		return strconv.FormatInt(math.MaxInt64, 10)
	case qm-dm+1 <= 0: // 0 < q/d < 1
		return "1"
	}
	// q/d = qu·10^(ds-qs) / du
	if e := ds - qs; e > 0 {
		qu.Mul(qu, new(big.Int).Exp(big.NewInt(10), big.NewInt(e), nil))
	} else if e < 0 {
		du.Mul(du, new(big.Int).Exp(big.NewInt(10), big.NewInt(-e), nil))
	}
	// ⌈a/b⌉ = (a+b-1)/b for positive a, b.
	r := qu.Add(qu, du)
	r.Sub(r, big.NewInt(1))
	r.Quo(r, du)
	if !r.IsInt64() {
		return strconv.FormatInt(math.MaxInt64, 10)
	}
	return r.String()
}
