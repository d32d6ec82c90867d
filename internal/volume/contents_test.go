package volume

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// fakeSource serves ConfigMaps and Secrets of namespace "ns" by name.
type fakeSource struct {
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	err        error // returned by every lookup when set
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) ConfigMap(namespace, name string) (*corev1.ConfigMap, bool, error) {
	if f.err != nil {
		return nil, false, f.err
	}
	cm, ok := f.configMaps[namespace+"/"+name]
	return cm, ok, nil
}

func (f *fakeSource) Secret(namespace, name string) (*corev1.Secret, bool, error) {
	if f.err != nil {
		return nil, false, f.err
	}
	s, ok := f.secrets[namespace+"/"+name]
	return s, ok, nil
}

func testSource() *fakeSource {
	return &fakeSource{
		configMaps: map[string]*corev1.ConfigMap{
			"ns/app-config": {
				Data:       map[string]string{"app.conf": "port=80", "log.level": "debug"},
				BinaryData: map[string][]byte{"logo.png": {0x89, 'P', 'N', 'G'}},
			},
			"ns/ca": {Data: map[string]string{"ca.crt": "CA"}},
		},
		secrets: map[string]*corev1.Secret{
			"ns/creds": {Data: map[string][]byte{"username": []byte("admin"), "password": []byte("s3cret")}},
		},
	}
}

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-0", Namespace: "ns", UID: "uid-1",
			Labels:      map[string]string{"tier": "front", "app": "web"},
			Annotations: map[string]string{"note": `say "hi"` + "\n", "Example.com/Owner": "ops"},
		},
		Spec: corev1.PodSpec{
			NodeName:           "node-a",
			ServiceAccountName: "web-sa",
			InitContainers: []corev1.Container{{
				Name: "sidecar",
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")},
				},
			}},
			Containers: []corev1.Container{
				{
					Name: "app",
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{
							corev1.ResourceCPU:              resource.MustParse("250m"),
							corev1.ResourceMemory:           resource.MustParse("100M"),
							corev1.ResourceEphemeralStorage: resource.MustParse("1Gi"),
						},
						Limits: corev1.ResourceList{
							corev1.ResourceCPU:              resource.MustParse("1500m"),
							corev1.ResourceMemory:           resource.MustParse("64Mi"),
							corev1.ResourceEphemeralStorage: resource.MustParse("2Gi"),
							"hugepages-2Mi":                 resource.MustParse("4Mi"),
						},
					},
				},
				{Name: "bare"},
				{
					Name: "zero-limit",
					Resources: corev1.ResourceRequirements{
						Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0")},
					},
				},
			},
		},
		Status: corev1.PodStatus{PodIP: "10.1.0.7", HostIP: "192.168.1.10"},
	}
}

func testAllocatable() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("4"),
		corev1.ResourceMemory:           resource.MustParse("8Gi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
}

// describe renders files as sorted "path mode content" lines, for readable
// comparisons.
func describe(files map[string]File) string {
	var lines []string
	for p, f := range files {
		lines = append(lines, fmt.Sprintf("%s %#o %q", p, f.Mode, f.Data))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// want builds expected files from path, mode, content triples.
func want(args ...any) map[string]File {
	if len(args)%3 != 0 {
		panic("want takes path, mode, content triples")
	}
	out := map[string]File{}
	for i := 0; i < len(args); i += 3 {
		out[args[i].(string)] = File{Mode: int32(args[i+1].(int)), Data: []byte(args[i+2].(string))}
	}
	return out
}

func configMapVol(name string, items []corev1.KeyToPath, mode *int32, optional *bool) corev1.Volume {
	return corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Items: items, DefaultMode: mode, Optional: optional,
	}}}
}

func secretVol(name string, items []corev1.KeyToPath, mode *int32, optional *bool) corev1.Volume {
	return corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: name, Items: items, DefaultMode: mode, Optional: optional,
	}}}
}

func downwardVol(mode *int32, items ...corev1.DownwardAPIVolumeFile) corev1.Volume {
	return corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: items, DefaultMode: mode,
	}}}
}

func projectedVol(mode *int32, sources ...corev1.VolumeProjection) corev1.Volume {
	return corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: sources, DefaultMode: mode,
	}}}
}

func field(path, fieldPath string) corev1.DownwardAPIVolumeFile {
	return corev1.DownwardAPIVolumeFile{Path: path, FieldRef: &corev1.ObjectFieldSelector{FieldPath: fieldPath}}
}

func res(path, container, resourceName, divisor string) corev1.DownwardAPIVolumeFile {
	sel := &corev1.ResourceFieldSelector{ContainerName: container, Resource: resourceName}
	if divisor != "" {
		sel.Divisor = resource.MustParse(divisor)
	}
	return corev1.DownwardAPIVolumeFile{Path: path, ResourceFieldRef: sel}
}

func TestContents(t *testing.T) {
	tests := []struct {
		name    string
		vol     corev1.Volume
		src     *fakeSource // testSource() when nil
		alloc   corev1.ResourceList
		want    map[string]File
		wantErr string
	}{
		// configMap
		{
			name: "configMap: every key of data and binaryData, mode 0644",
			vol:  configMapVol("app-config", nil, nil, nil),
			want: want("app.conf", 0o644, "port=80", "log.level", 0o644, "debug", "logo.png", 0o644, "\x89PNG"),
		},
		{
			name: "configMap: defaultMode",
			vol:  configMapVol("ca", nil, ptr.To[int32](0o400), nil),
			want: want("ca.crt", 0o400, "CA"),
		},
		{
			name: "configMap: items pick keys, give paths and modes",
			vol: configMapVol("app-config", []corev1.KeyToPath{
				{Key: "app.conf", Path: "etc/app/app.conf"},
				{Key: "logo.png", Path: "static/logo.png", Mode: ptr.To[int32](0o600)},
			}, ptr.To[int32](0o440), nil),
			want: want("etc/app/app.conf", 0o440, "port=80", "static/logo.png", 0o600, "\x89PNG"),
		},
		{
			name:    "configMap: missing",
			vol:     configMapVol("app-cfg", nil, nil, nil),
			wantErr: `configmap "app-cfg" not found`,
		},
		{
			name: "configMap: missing but optional",
			vol:  configMapVol("app-cfg", []corev1.KeyToPath{{Key: "a", Path: "a"}}, nil, ptr.To(true)),
			want: want(),
		},
		{
			name:    "configMap: missing key",
			vol:     configMapVol("app-config", []corev1.KeyToPath{{Key: "app.conf", Path: "a"}, {Key: "nope", Path: "b"}}, nil, nil),
			wantErr: `configmap "app-config": key "nope" not found`,
		},
		{
			name: "configMap: missing key of an optional configMap is skipped",
			vol:  configMapVol("app-config", []corev1.KeyToPath{{Key: "app.conf", Path: "a"}, {Key: "nope", Path: "b"}}, nil, ptr.To(true)),
			want: want("a", 0o644, "port=80"),
		},
		{
			name:    "configMap: item path escaping the volume",
			vol:     configMapVol("app-config", []corev1.KeyToPath{{Key: "app.conf", Path: "../etc/passwd"}}, nil, nil),
			wantErr: `"../etc/passwd"`,
		},
		{
			name:    "configMap: two items at one path",
			vol:     configMapVol("app-config", []corev1.KeyToPath{{Key: "app.conf", Path: "x"}, {Key: "log.level", Path: "./x"}}, nil, nil),
			wantErr: `duplicate path "x"`,
		},
		{
			name:    "configMap: lookup failure",
			vol:     configMapVol("app-config", nil, nil, ptr.To(true)),
			src:     &fakeSource{err: errors.New("cache not synced")},
			wantErr: `configmap "app-config": cache not synced`,
		},

		// secret
		{
			name: "secret: every key, mode 0644",
			vol:  secretVol("creds", nil, nil, nil),
			want: want("password", 0o644, "s3cret", "username", 0o644, "admin"),
		},
		{
			name: "secret: items and modes",
			vol:  secretVol("creds", []corev1.KeyToPath{{Key: "password", Path: "db/pw", Mode: ptr.To[int32](0o400)}}, ptr.To[int32](0o440), nil),
			want: want("db/pw", 0o400, "s3cret"),
		},
		{
			name:    "secret: missing",
			vol:     secretVol("nope", nil, nil, nil),
			wantErr: `secret "nope" not found`,
		},
		{
			name: "secret: missing but optional",
			vol:  secretVol("nope", nil, nil, ptr.To(true)),
			want: want(),
		},
		{
			name:    "secret: missing key",
			vol:     secretVol("creds", []corev1.KeyToPath{{Key: "token", Path: "t"}}, nil, nil),
			wantErr: `secret "creds": key "token" not found`,
		},
		{
			name: "secret: missing key of an optional secret is skipped",
			vol:  secretVol("creds", []corev1.KeyToPath{{Key: "token", Path: "t"}}, nil, ptr.To(true)),
			want: want(),
		},

		// downwardAPI fieldRef
		{
			name: "downwardAPI: fields",
			vol: downwardVol(nil,
				field("name", "metadata.name"),
				field("namespace", "metadata.namespace"),
				field("uid", "metadata.uid"),
				field("node", "spec.nodeName"),
				field("sa", "spec.serviceAccountName"),
				field("ip", "status.podIP"),
				field("host", "status.hostIP"),
			),
			want: want("name", 0o644, "web-0", "namespace", 0o644, "ns", "uid", 0o644, "uid-1", "node", 0o644, "node-a",
				"sa", 0o644, "web-sa", "ip", 0o644, "10.1.0.7", "host", 0o644, "192.168.1.10"),
		},
		{
			name: "downwardAPI: labels and annotations as sorted key=\"value\" lines",
			vol: downwardVol(ptr.To[int32](0o600),
				field("labels", "metadata.labels"),
				field("annotations", "metadata.annotations"),
			),
			want: want(
				"labels", 0o600, "app=\"web\"\ntier=\"front\"",
				"annotations", 0o600, "Example.com/Owner=\"ops\"\nnote=\"say \\\"hi\\\"\\n\"",
			),
		},
		{
			name: "downwardAPI: one label or annotation, missing ones empty",
			vol: downwardVol(nil,
				field("app", "metadata.labels['app']"),
				field("none", "metadata.labels['none']"),
				field("owner", "metadata.annotations['Example.com/Owner']"),
				corev1.DownwardAPIVolumeFile{Path: "d/mode", Mode: ptr.To[int32](0o400), FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			),
			want: want("app", 0o644, "web", "none", 0o644, "", "owner", 0o644, "ops", "d/mode", 0o400, "web-0"),
		},
		{
			name:    "downwardAPI: unsupported field",
			vol:     downwardVol(nil, field("x", "spec.hostname")),
			wantErr: `downwardAPI "x": fieldRef spec.hostname is not supported`,
		},
		{
			name:    "downwardAPI: invalid label key",
			vol:     downwardVol(nil, field("x", "metadata.labels['a b']")),
			wantErr: `downwardAPI "x": fieldRef metadata.labels['a b']: invalid key`,
		},
		{
			name:    "downwardAPI: subscript on a plain field",
			vol:     downwardVol(nil, field("x", "metadata.name['a']")),
			wantErr: `takes no subscript`,
		},
		{
			name:    "downwardAPI: item without a source",
			vol:     downwardVol(nil, corev1.DownwardAPIVolumeFile{Path: "x"}),
			wantErr: `downwardAPI "x": neither fieldRef nor resourceFieldRef is set`,
		},

		// downwardAPI resourceFieldRef
		{
			name: "resourceFieldRef: divisors round up",
			vol: downwardVol(nil,
				res("cpu-limit", "app", "limits.cpu", ""),          // 1.5 -> 2
				res("cpu-limit-m", "app", "limits.cpu", "1m"),      // 1500
				res("cpu-req", "app", "requests.cpu", ""),          // 0.25 -> 1
				res("cpu-req-m", "app", "requests.cpu", "1m"),      // 250
				res("mem-limit", "app", "limits.memory", ""),       // bytes
				res("mem-limit-mi", "app", "limits.memory", "1Mi"), // 64
				res("mem-req-mi", "app", "requests.memory", "1Mi"), // 100e6/2^20 = 95.4 -> 96
				res("mem-req-m", "app", "requests.memory", "1M"),   // 100
				res("eph-limit", "app", "limits.ephemeral-storage", "1Gi"),
				res("eph-req", "app", "requests.ephemeral-storage", "1Mi"),
				res("huge", "app", "limits.hugepages-2Mi", "1Mi"),
			),
			alloc: testAllocatable(),
			want: want(
				"cpu-limit", 0o644, "2", "cpu-limit-m", 0o644, "1500", "cpu-req", 0o644, "1", "cpu-req-m", 0o644, "250",
				"mem-limit", 0o644, "67108864", "mem-limit-mi", 0o644, "64", "mem-req-mi", 0o644, "96", "mem-req-m", 0o644, "100",
				"eph-limit", 0o644, "2", "eph-req", 0o644, "1024", "huge", 0o644, "4",
			),
		},
		{
			name: "resourceFieldRef: no limit reads the node's allocatable; no request reads 0",
			vol: downwardVol(nil,
				res("cpu", "bare", "limits.cpu", "1m"),
				res("zero-cpu", "zero-limit", "limits.cpu", ""),
				res("mem", "bare", "limits.memory", "1Gi"),
				res("eph", "bare", "limits.ephemeral-storage", "1Gi"),
				res("req", "bare", "requests.cpu", "1m"),
				res("huge", "bare", "limits.hugepages-2Mi", ""),
				res("init", "sidecar", "limits.memory", "1Mi"),
			),
			alloc: testAllocatable(),
			want: want("cpu", 0o644, "4000", "zero-cpu", 0o644, "4", "mem", 0o644, "8", "eph", 0o644, "100",
				"req", 0o644, "0", "huge", 0o644, "0", "init", 0o644, "32"),
		},
		{
			name:  "resourceFieldRef: no limit and no allocatable reads 0",
			vol:   downwardVol(nil, res("cpu", "bare", "limits.cpu", "")),
			alloc: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
			want:  want("cpu", 0o644, "0"),
		},
		{
			name:    "resourceFieldRef: unknown container",
			vol:     downwardVol(nil, res("x", "nope", "limits.cpu", "")),
			wantErr: `downwardAPI "x": resourceFieldRef: container "nope" not found`,
		},
		{
			name:    "resourceFieldRef: unsupported resource",
			vol:     downwardVol(nil, res("x", "app", "limits.nvidia.com/gpu", "")),
			wantErr: `resourceFieldRef "limits.nvidia.com/gpu" is not supported`,
		},

		// projected
		{
			name: "projected: configMap, secret and downwardAPI together, mode 0644",
			vol: projectedVol(nil,
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: "ca"},
				}},
				corev1.VolumeProjection{Secret: &corev1.SecretProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: "creds"},
					Items:                []corev1.KeyToPath{{Key: "password", Path: "creds/pw", Mode: ptr.To[int32](0o400)}},
				}},
				corev1.VolumeProjection{DownwardAPI: &corev1.DownwardAPIProjection{
					Items: []corev1.DownwardAPIVolumeFile{field("namespace", "metadata.namespace"), res("cpu", "bare", "limits.cpu", "")},
				}},
			),
			alloc: testAllocatable(),
			want:  want("ca.crt", 0o644, "CA", "creds/pw", 0o400, "s3cret", "namespace", 0o644, "ns", "cpu", 0o644, "4"),
		},
		{
			name: "projected: defaultMode applies to every source",
			vol: projectedVol(ptr.To[int32](0o440),
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
				corev1.VolumeProjection{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{field("name", "metadata.name")}}},
			),
			want: want("ca.crt", 0o440, "CA", "name", 0o440, "web-0"),
		},
		{
			name: "projected: optional missing sources contribute nothing",
			vol: projectedVol(nil,
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Optional: ptr.To(true)}},
				corev1.VolumeProjection{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Optional: ptr.To(true)}},
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
			),
			want: want("ca.crt", 0o644, "CA"),
		},
		{
			name: "projected: missing required source",
			vol: projectedVol(nil,
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
				corev1.VolumeProjection{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}}},
			),
			wantErr: `secret "nope" not found`,
		},
		{
			name: "projected: the same path from two sources",
			vol: projectedVol(nil,
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
				corev1.VolumeProjection{Secret: &corev1.SecretProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: "creds"},
					Items:                []corev1.KeyToPath{{Key: "password", Path: "ca.crt"}},
				}},
			),
			wantErr: `duplicate path "ca.crt"`,
		},
		{
			name: "projected: serviceAccountToken",
			vol: projectedVol(nil,
				corev1.VolumeProjection{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
			),
			wantErr: `sources[0]: serviceAccountToken projections are not supported yet`,
		},
		{
			name: "projected: clusterTrustBundle",
			vol: projectedVol(nil,
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}},
				corev1.VolumeProjection{ClusterTrustBundle: &corev1.ClusterTrustBundleProjection{Path: "bundle"}},
			),
			wantErr: `sources[1]: clusterTrustBundle projections are not supported`,
		},
		{
			name:    "projected: empty source",
			vol:     projectedVol(nil, corev1.VolumeProjection{}),
			wantErr: `sources[0]: no source set`,
		},

		{
			name:    "other volume types",
			vol:     corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			wantErr: "not a configMap, secret, downwardAPI or projected volume",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if src == nil {
				src = testSource()
			}
			got, err := Contents(testPod(), tt.vol, src, Options{NodeAllocatable: tt.alloc})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if g, w := describe(got), describe(tt.want); g != w {
				t.Errorf("files:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// TestContentsWritable checks that what Contents returns is what Write
// takes, and that it does not alias the source's objects.
func TestContentsWritable(t *testing.T) {
	src := testSource()
	files, err := Contents(testPod(), configMapVol("app-config", nil, nil, nil), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	files["logo.png"].Data[0] = 'X'
	if src.configMaps["ns/app-config"].BinaryData["logo.png"][0] != 0x89 {
		t.Error("Contents returned the source's bytes, not a copy")
	}
	if _, err := Write(t.TempDir(), files); err != nil {
		t.Errorf("Write(Contents(...)): %v", err)
	}
}

func TestNeeds(t *testing.T) {
	tests := []struct {
		src  corev1.VolumeSource
		want bool
	}{
		{corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}, true},
		{corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{}}, true},
		{corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{}}, true},
		{corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}, true},
		{corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}, false},
		{corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}, false},
		{corev1.VolumeSource{}, false},
	}
	for i, tt := range tests {
		if got := Needs(corev1.Volume{Name: "v", VolumeSource: tt.src}); got != tt.want {
			t.Errorf("case %d: Needs = %v, want %v", i, got, tt.want)
		}
	}
}

func TestCeilDiv(t *testing.T) {
	maxInt := strconv.FormatInt(math.MaxInt64, 10)
	tests := []struct{ q, d, want string }{
		{"1", "1", "1"},
		{"250m", "1", "1"},
		{"250m", "1m", "250"},
		{"1001m", "1", "2"},
		{"2", "500m", "4"},
		{"64Mi", "1Mi", "64"},
		{"64Mi", "1M", "68"}, // 67.1
		{"1Ki", "1k", "2"},   // 1.024
		{"1", "1E", "1"},     // far smaller than the divisor
		{"1m", "1Ei", "1"},
		{"0", "1", "0"},
		{"-1", "1", "0"},
		{"1", "-1", "0"},
		{"9223372036854775807", "1", maxInt},
		{"9223372036854775808", "1", maxInt},
		{"8E", "1m", maxInt},   // 8e21
		{"1e300", "1", maxInt}, // shortcut: no 300-digit intermediate
		{"123456789123456789", "1", "123456789123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.q+"/"+tt.d, func(t *testing.T) {
			if got := ceilDiv(resource.MustParse(tt.q), resource.MustParse(tt.d)); got != tt.want {
				t.Errorf("ceilDiv(%s, %s) = %s, want %s", tt.q, tt.d, got, tt.want)
			}
		})
	}
}
