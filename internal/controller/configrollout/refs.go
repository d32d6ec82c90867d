package configrollout

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// source is a ConfigMap or Secret a pod template reads.
type source struct {
	kind string // "ConfigMap" or "Secret"
	name string
}

func (s source) String() string { return strings.ToLower(s.kind) + "/" + s.name }

// sources lists the ConfigMaps and Secrets a pod template reads through
// volumes (projected ones too), env and envFrom, in every container,
// sorted and without repeats.
func sources(spec *corev1.PodSpec) []source {
	set := map[source]bool{}
	add := func(kind, name string) {
		if name != "" {
			set[source{kind, name}] = true
		}
	}
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil {
			add("ConfigMap", v.ConfigMap.Name)
		}
		if v.Secret != nil {
			add("Secret", v.Secret.SecretName)
		}
		if v.Projected != nil {
			for _, p := range v.Projected.Sources {
				if p.ConfigMap != nil {
					add("ConfigMap", p.ConfigMap.Name)
				}
				if p.Secret != nil {
					add("Secret", p.Secret.Name)
				}
			}
		}
	}
	containers := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for _, c := range containers {
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil {
				add("ConfigMap", e.ConfigMapRef.Name)
			}
			if e.SecretRef != nil {
				add("Secret", e.SecretRef.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				add("ConfigMap", r.Name)
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				add("Secret", r.Name)
			}
		}
	}
	out := slices.Collect(maps.Keys(set))
	slices.SortFunc(out, func(a, b source) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// absent is the version of a source that does not exist.
const absent = "absent"

// contentHash is a short digest of a source's data, in key order. Equal
// data, equal digest; the values themselves are never shown.
func contentHash(strs map[string]string, bins map[string][]byte) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(strs)) {
		h.Write([]byte(k + "\x00" + strs[k] + "\x00"))
	}
	h.Write([]byte{1})
	for _, k := range slices.Sorted(maps.Keys(bins)) {
		h.Write([]byte(k + "\x00"))
		h.Write(bins[k])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}

// versions is the record of what a template read: "kind/name=digest"
// pairs, comma separated, sorted.
type versions map[string]string

func parseVersions(s string) versions {
	out := versions{}
	for pair := range strings.SplitSeq(s, ",") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			out[k] = v
		}
	}
	return out
}

func (v versions) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + v[k])
	}
	return b.String()
}

// changed lists the sources whose version differs between old and new,
// sorted. A source new to the template is not a change of it: the
// template change that added it rolls out by itself.
func changed(old, new versions) []string {
	var out []string
	for k, v := range new {
		if was, ok := old[k]; ok && was != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
