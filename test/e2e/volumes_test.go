package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// requireRoot skips a test of what needs root when not root, except in
// CI, which runs as root.
func requireRoot(t *testing.T, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s need root, and CI runs as root", what)
		}
		t.Skipf("%s need root", what)
	}
}

// TestProcessPodVolumes: a process pod (the agent runs as root) sees its
// volumes at their mountPaths in a private mount namespace: a ConfigMap
// file that follows edits, a Secret, the downward API, an emptyDir shared
// by two containers and a hostPath; it runs as the user it asks for; a
// pod whose ConfigMap is missing waits with a FailedMount event.
func TestProcessPodVolumes(t *testing.T) {
	requireRoot(t, "volumes of process pods")
	s := StartUp(t, "--node-name", "n1")
	ctx := context.Background()
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "n1") })
	cms := s.Client.CoreV1().ConfigMaps("default")
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config"},
		Data: map[string]string{"greeting": "hello"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds"},
		Data: map[string][]byte{"password": []byte("s3cr3t")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	mnt := t.TempDir() // mount points live here, so the node's tree is left alone
	// A container running as nobody must be able to reach them.
	for _, d := range []string{mnt, filepath.Dir(mnt)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	at := func(name string) string { return filepath.Join(mnt, name) }
	hostDir := filepath.Join(t.TempDir(), "shared")
	nobody := int64(65534)
	pod := processPod("vols", "n1", corev1.RestartPolicyAlways, "exec sleep 600")
	pod.Labels = map[string]string{"app": "vols"}
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}}}},
		{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
		{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: hostDir, Type: ptr.To(corev1.HostPathDirectoryOrCreate)}}},
	}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
		{Name: "config", MountPath: at("config")},
		{Name: "creds", MountPath: at("creds")},
		{Name: "info", MountPath: at("info")},
		{Name: "scratch", MountPath: at("scratch")},
		{Name: "host", MountPath: at("host")},
	}
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
		Name: "other", Image: "local", Command: []string{"sleep", "600"},
		VolumeMounts:    []corev1.VolumeMount{{Name: "scratch", MountPath: at("other-scratch")}},
		SecurityContext: &corev1.SecurityContext{RunAsUser: &nobody},
	})
	if _, err := s.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, "vols", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(p.Status.ContainerStatuses) != 2 {
			return fmt.Errorf("vols: %s", p.Status.Phase)
		}
		for _, cs := range p.Status.ContainerStatuses {
			if !cs.Ready {
				return fmt.Errorf("container %s: %+v", cs.Name, cs.State)
			}
		}
		return nil
	})
	execIn := func(container, script string) (string, error) {
		out, stderr, err := s.Kubectl("exec", "vols", "-c", container, "--", "sh", "-c", script)
		if err != nil {
			return out, fmt.Errorf("%v: %s", err, stderr)
		}
		return out, nil
	}
	mustExec := func(container, script, want string) {
		t.Helper()
		out, err := execIn(container, script)
		if err != nil || out != want {
			t.Errorf("exec %s %q: %q (%v), want %q", container, script, out, err, want)
		}
	}
	mustExec("main", "cat "+at("config/greeting"), "hello")
	mustExec("main", "cat "+at("creds/password"), "s3cr3t")
	mustExec("main", "cat "+at("info/labels"), `app="vols"`)
	mustExec("main", "echo shared > "+at("scratch/note")+" && echo here > "+at("host/note")+" && echo ok", "ok\n")
	mustExec("other", "cat "+at("other-scratch/note")+"; id -u", "shared\n65534\n")
	if b, err := os.ReadFile(filepath.Join(hostDir, "note")); err != nil || string(b) != "here\n" {
		t.Errorf("hostPath: the node sees %q (%v)", b, err)
	}
	if out, err := execIn("main", "touch "+at("config/new")); err == nil {
		t.Errorf("a configMap volume should be read-only, touch gave %q", out)
	}
	// The mounts are the pod's own: the node sees empty mount points.
	if entries, _ := os.ReadDir(at("config")); len(entries) != 0 {
		t.Errorf("the configMap volume leaked into the node's mount namespace: %v", entries)
	}

	// An edited ConfigMap reaches the mounted file.
	cm, err := cms.Get(ctx, "app-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["greeting"] = "bonjour"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		out, err := execIn("main", "cat "+at("config/greeting"))
		if err != nil || out != "bonjour" {
			return fmt.Errorf("greeting %q (%v)", out, err)
		}
		return nil
	})

	// A pod whose ConfigMap is missing waits, saying why, until it exists.
	waiting := processPod("waits", "n1", corev1.RestartPolicyAlways, "exec sleep 600")
	waiting.Spec.Volumes = []corev1.Volume{{Name: "late", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "late"}}}}}
	waiting.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "late", MountPath: at("late")}}
	if _, err := s.Client.CoreV1().Pods("default").Create(ctx, waiting, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		return hasEvents(s, "waits", `FailedMount: MountVolume.SetUp failed for volume "late" : configmap "late" not found`)
	})
	if p, err := podRunning(s, "waits"); err == nil || !strings.Contains(fmt.Sprint(p.Status.ContainerStatuses), "ContainerCreating") {
		t.Errorf("waits should wait in ContainerCreating: %v", err)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error { _, err := podRunning(s, "waits"); return err })
}

// TestProcessPodLimits: as root, a process pod's container runs in a
// cgroup of its own with its CPU and memory limits, and one that outgrows
// its memory limit is OOMKilled.
func TestProcessPodLimits(t *testing.T) {
	requireRoot(t, "cgroup limits")
	s := StartUp(t, "--node-name", "n1")
	ctx := context.Background()
	eventually(t, 30*time.Second, func() error { return nodeReady(s, "n1") })
	limits := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
	limited := processPod("limited", "n1", corev1.RestartPolicyAlways, "exec sleep 600")
	limited.Spec.Containers[0].Resources = limits
	hog := processPod("hog", "n1", corev1.RestartPolicyNever, `exec python3 -c "x = bytearray(256 << 20); print(len(x))"`)
	hog.Spec.Containers[0].Resources = limits
	for _, p := range []*corev1.Pod{limited, hog} {
		if _, err := s.Client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var pod *corev1.Pod
	eventually(t, 30*time.Second, func() error {
		var err error
		pod, err = podRunning(s, "limited")
		return err
	})
	pid := containerPID(t, s, pod)
	id := strings.TrimPrefix(pod.Status.ContainerStatuses[0].ContainerID, "process://")
	// The init step joins the cgroup just before it executes the command.
	eventually(t, 5*time.Second, func() error {
		cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err != nil {
			return err
		}
		if !strings.Contains(string(cg), "/marina/"+id) {
			return fmt.Errorf("the container is not in its cgroup:\n%s", cg)
		}
		return nil
	})
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
		}
		return strings.TrimSpace(string(b))
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory"); err == nil { // v1
		if got := read("/sys/fs/cgroup/memory/marina/" + id + "/memory.limit_in_bytes"); got != "67108864" {
			t.Errorf("memory limit %s", got)
		}
		if got := read("/sys/fs/cgroup/cpu/marina/" + id + "/cpu.cfs_quota_us"); got != "50000" {
			t.Errorf("cpu quota %s", got)
		}
	} else {
		if got := read("/sys/fs/cgroup/marina/" + id + "/memory.max"); got != "67108864" {
			t.Errorf("memory.max %s", got)
		}
		if got := read("/sys/fs/cgroup/marina/" + id + "/cpu.max"); got != "50000 100000" {
			t.Errorf("cpu.max %s", got)
		}
	}
	eventually(t, 30*time.Second, func() error {
		p, err := s.Client.CoreV1().Pods("default").Get(ctx, "hog", metav1.GetOptions{})
		if err != nil {
			return err
		}
		cs := p.Status.ContainerStatuses
		if len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.Reason != "OOMKilled" {
			return fmt.Errorf("hog: %s %+v", p.Status.Phase, cs)
		}
		return nil
	})
}
