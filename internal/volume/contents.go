package volume

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Source looks up the objects a volume draws from. found=false when it does
// not exist.
//
// Contents calls it during the agent's pod sync, once per referenced
// object; it should answer from a cache, not block on the API server. The
// objects it returns may be shared with that cache: Contents only reads
// them and copies what it keeps.
type Source interface {
	ConfigMap(namespace, name string) (cm *corev1.ConfigMap, found bool, err error)
	Secret(namespace, name string) (s *corev1.Secret, found bool, err error)
}

// Options is what Contents needs to know about the node.
type Options struct {
	// NodeAllocatable is the node's allocatable resources. A downwardAPI
	// resourceFieldRef for the cpu, memory or ephemeral-storage limit of a
	// container that sets none reports this instead, as the kubelet does.
	// When it lacks the resource too, the value is 0.
	NodeAllocatable corev1.ResourceList
}

// Needs reports whether Contents applies to v (configMap, secret,
// downwardAPI, projected); emptyDir and hostPath are handled elsewhere.
func Needs(v corev1.Volume) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// Contents computes the files of a configMap, secret, downwardAPI or
// projected volume of pod, keyed by cleaned relative path, ready for Write.
//
// It follows the kubelet: items select keys and give paths and per-item
// modes; without items every key becomes a file; modes default to 0644.
// An error names what is missing (`configmap "app-config" not found`,
// `configmap "x": key "y" not found`) unless the reference is optional, in
// which case the missing object or key contributes nothing. It does not
// name the volume; the caller does. Two files at one path are an error
// naming the path, also across the sources of a projected volume.
//
// Contents does no I/O besides src and does not modify pod, v or what src
// returns.
func Contents(pod *corev1.Pod, v corev1.Volume, src Source, opts Options) (map[string]File, error) {
	out := payload{}
	var err error
	switch {
	case v.ConfigMap != nil:
		s := v.ConfigMap
		err = out.addConfigMap(src, pod.Namespace, s.Name, s.Items, modeOr(s.DefaultMode, corev1.ConfigMapVolumeSourceDefaultMode), isTrue(s.Optional))
	case v.Secret != nil:
		s := v.Secret
		err = out.addSecret(src, pod.Namespace, s.SecretName, s.Items, modeOr(s.DefaultMode, corev1.SecretVolumeSourceDefaultMode), isTrue(s.Optional))
	case v.DownwardAPI != nil:
		s := v.DownwardAPI
		err = out.addDownwardAPI(pod, s.Items, modeOr(s.DefaultMode, corev1.DownwardAPIVolumeSourceDefaultMode), opts.NodeAllocatable)
	case v.Projected != nil:
		err = out.addProjected(pod, v.Projected, src, opts)
	default:
		err = errors.New("not a configMap, secret, downwardAPI or projected volume")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (out payload) addProjected(pod *corev1.Pod, p *corev1.ProjectedVolumeSource, src Source, opts Options) error {
	// Sources have no defaultMode of their own; the volume's applies to all.
	mode := modeOr(p.DefaultMode, corev1.ProjectedVolumeSourceDefaultMode)
	for i, s := range p.Sources {
		var err error
		switch {
		case s.ConfigMap != nil:
			err = out.addConfigMap(src, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, mode, isTrue(s.ConfigMap.Optional))
		case s.Secret != nil:
			err = out.addSecret(src, pod.Namespace, s.Secret.Name, s.Secret.Items, mode, isTrue(s.Secret.Optional))
		case s.DownwardAPI != nil:
			err = out.addDownwardAPI(pod, s.DownwardAPI.Items, mode, opts.NodeAllocatable)
		case s.ServiceAccountToken != nil:
			err = fmt.Errorf("sources[%d]: serviceAccountToken projections are not supported yet", i)
		case s.ClusterTrustBundle != nil:
			err = fmt.Errorf("sources[%d]: clusterTrustBundle projections are not supported", i)
		default:
			err = fmt.Errorf("sources[%d]: no source set", i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (out payload) addConfigMap(src Source, namespace, name string, items []corev1.KeyToPath, mode int32, optional bool) error {
	const kind = "configmap"
	cm, found, err := src.ConfigMap(namespace, name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if !found {
		if optional {
			return nil
		}
		return fmt.Errorf("%s %q not found", kind, name)
	}
	lookup := func(key string) ([]byte, bool) {
		if s, ok := cm.Data[key]; ok {
			return []byte(s), true
		}
		b, ok := cm.BinaryData[key]
		return bytes.Clone(b), ok
	}
	keys := make([]string, 0, len(cm.Data)+len(cm.BinaryData))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	for k := range cm.BinaryData {
		keys = append(keys, k)
	}
	return out.addKeys(kind, name, keys, lookup, items, mode, optional)
}

func (out payload) addSecret(src Source, namespace, name string, items []corev1.KeyToPath, mode int32, optional bool) error {
	const kind = "secret"
	s, found, err := src.Secret(namespace, name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if !found {
		if optional {
			return nil
		}
		return fmt.Errorf("%s %q not found", kind, name)
	}
	lookup := func(key string) ([]byte, bool) {
		b, ok := s.Data[key]
		return bytes.Clone(b), ok
	}
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	return out.addKeys(kind, name, keys, lookup, items, mode, optional)
}

// addKeys adds the keys of one ConfigMap or Secret: each selected item at
// its path, or, without items, every key at its own name.
func (out payload) addKeys(kind, name string, keys []string, lookup func(string) ([]byte, bool), items []corev1.KeyToPath, mode int32, optional bool) error {
	if len(items) == 0 {
		sort.Strings(keys) // a stable first error
		for _, k := range keys {
			data, _ := lookup(k)
			if err := out.add(k, File{Data: data, Mode: mode}); err != nil {
				return fmt.Errorf("%s %q: %w", kind, name, err)
			}
		}
		return nil
	}
	for _, it := range items {
		data, ok := lookup(it.Key)
		if !ok {
			if optional {
				continue
			}
			return fmt.Errorf("%s %q: key %q not found", kind, name, it.Key)
		}
		if err := out.add(it.Path, File{Data: data, Mode: modeOr(it.Mode, mode)}); err != nil {
			return fmt.Errorf("%s %q: key %q: %w", kind, name, it.Key, err)
		}
	}
	return nil
}

// payload is a volume's files being collected, keyed by cleaned path.
type payload map[string]File

// add puts f at path, which must be valid for Write and not taken.
func (out payload) add(path string, f File) error {
	if err := validatePath(path); err != nil {
		return err
	}
	c := filepath.Clean(path)
	if _, dup := out[c]; dup {
		return fmt.Errorf("duplicate path %q: more than one file would be written there", c)
	}
	out[c] = f
	return nil
}

func modeOr(p *int32, def int32) int32 {
	if p != nil {
		return *p
	}
	return def
}

func isTrue(p *bool) bool { return p != nil && *p }
