package agent

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/marina-orchestrator/marina/internal/runtime"
	"github.com/marina-orchestrator/marina/internal/volume"
)

// podDir holds what the agent keeps for one pod: its volumes.
func (m *podManager) podDir(uid string) string {
	return filepath.Join(m.a.cfg.DataDir, "pods", uid)
}

// volumeError is a volume that cannot be set up yet (a missing ConfigMap,
// a hostPath of the wrong type); the pod waits for it.
type volumeError struct {
	volume string
	err    error
}

func (e *volumeError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.volume, e.err)
}

func (e *volumeError) Unwrap() error { return e.err }

// setupVolumes makes each volume of the pod exist on the node with its
// current content and returns where each is. It is called on every sync:
// configMap, secret, downwardAPI and projected volumes are rewritten
// (atomically) only when their content changed. A volume that cannot be
// set up is a *volumeError.
func (m *podManager) setupVolumes(pod *corev1.Pod) (map[string]string, error) {
	paths := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		dir := filepath.Join(m.podDir(string(pod.UID)), "volumes", v.Name)
		switch {
		case v.HostPath != nil:
			if err := checkHostPath(v.HostPath); err != nil {
				return nil, &volumeError{v.Name, err}
			}
			paths[v.Name] = v.HostPath.Path
		case v.EmptyDir != nil:
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, &volumeError{v.Name, err}
			}
			// World-writable, as Kubernetes makes an emptyDir, so a
			// container running as any user can use it.
			if err := os.Chmod(dir, 0o777); err != nil {
				return nil, &volumeError{v.Name, err}
			}
			paths[v.Name] = dir
		case v.PersistentVolumeClaim != nil:
			path, err := m.claimPath(pod, v.PersistentVolumeClaim.ClaimName)
			if err != nil {
				return nil, &volumeError{v.Name, err}
			}
			paths[v.Name] = path
		case volume.Needs(v):
			files, err := volume.Contents(pod, v, m, volume.Options{NodeAllocatable: m.allocatable()})
			if err != nil {
				return nil, &volumeError{v.Name, err}
			}
			if err := m.volumes.write(dir, files); err != nil {
				return nil, &volumeError{v.Name, err}
			}
			paths[v.Name] = dir
		default:
			return nil, &volumeError{v.Name, errors.New("this volume type is not supported by Marina's agent (it supports emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected)")}
		}
	}
	return paths, nil
}

// writtenVolumes remembers what was last written to each volume
// directory, so the pod worker's frequent syncs do not read every
// volume's files back to find that nothing changed.
type writtenVolumes struct {
	mu     sync.Mutex
	digest map[string][sha256.Size]byte // by volume directory
}

// write makes dir hold files unless it already does.
func (w *writtenVolumes) write(dir string, files map[string]volume.File) error {
	d := digest(files)
	w.mu.Lock()
	same := w.digest[dir] == d
	w.mu.Unlock()
	if same {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := volume.Write(dir, files); err != nil {
		return err
	}
	w.mu.Lock()
	w.digest[dir] = d
	w.mu.Unlock()
	return nil
}

// forget drops what is remembered of the volumes under podDir.
func (w *writtenVolumes) forget(podDir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for dir := range w.digest {
		if strings.HasPrefix(dir, podDir+string(filepath.Separator)) {
			delete(w.digest, dir)
		}
	}
}

// digest hashes a volume's files: paths, modes and contents.
func digest(files map[string]volume.File) [sha256.Size]byte {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		f := files[p]
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", p, f.Mode, len(f.Data))
		h.Write(f.Data)
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// mounts are a container's volumeMounts as runtime mounts. Volumes the
// agent writes (configMap, secret, downwardAPI, projected) are read-only,
// as in Kubernetes.
func mounts(pod *corev1.Pod, c *corev1.Container, paths map[string]string) ([]runtime.Mount, error) {
	readOnly := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		readOnly[v.Name] = volume.Needs(v)
	}
	var out []runtime.Mount
	for _, vm := range c.VolumeMounts {
		src, ok := paths[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volumeMounts %q: the pod has no such volume", vm.Name)
		}
		if vm.SubPathExpr != "" {
			return nil, fmt.Errorf("volumeMounts %q: subPathExpr is not supported yet; use subPath", vm.Name)
		}
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
			if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
				// Kubernetes creates a missing subPath as a directory.
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, fmt.Errorf("volumeMounts %q: subPath: %w", vm.Name, err)
				}
			}
		}
		out = append(out, runtime.Mount{HostPath: src, ContainerPath: vm.MountPath, ReadOnly: vm.ReadOnly || readOnly[vm.Name]})
	}
	return out, nil
}

// checkHostPath applies a hostPath volume's type, creating what
// DirectoryOrCreate and FileOrCreate ask for. An unset type creates a
// missing directory, as Docker does for a bind mount.
func checkHostPath(h *corev1.HostPathVolumeSource) error {
	t := corev1.HostPathUnset
	if h.Type != nil {
		t = *h.Type
	}
	fi, err := os.Stat(h.Path)
	exists := err == nil
	switch t {
	case corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate:
		if !exists {
			return os.MkdirAll(h.Path, 0o755)
		}
		if t == corev1.HostPathDirectoryOrCreate && !fi.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", h.Path)
		}
	case corev1.HostPathFileOrCreate:
		if !exists {
			f, err := os.OpenFile(h.Path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("hostPath type check failed: %s is not a file", h.Path)
		}
	case corev1.HostPathDirectory:
		if !exists || !fi.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", h.Path)
		}
	case corev1.HostPathFile:
		if !exists || !fi.Mode().IsRegular() {
			return fmt.Errorf("hostPath type check failed: %s is not a file", h.Path)
		}
	case corev1.HostPathSocket:
		if !exists || fi.Mode()&os.ModeSocket == 0 {
			return fmt.Errorf("hostPath type check failed: %s is not a socket file", h.Path)
		}
	case corev1.HostPathCharDev:
		if !exists || fi.Mode()&os.ModeCharDevice == 0 {
			return fmt.Errorf("hostPath type check failed: %s is not a character device", h.Path)
		}
	case corev1.HostPathBlockDev:
		if !exists || fi.Mode()&os.ModeDevice == 0 || fi.Mode()&os.ModeCharDevice != 0 {
			return fmt.Errorf("hostPath type check failed: %s is not a block device", h.Path)
		}
	default:
		return fmt.Errorf("hostPath type %q is not known", t)
	}
	return nil
}

// allocatable is this node's allocatable resources as last reported,
// the limits a downward API resourceFieldRef reports for a container
// without one.
func (m *podManager) allocatable() corev1.ResourceList {
	if r := m.a.allocatable.Load(); r != nil {
		return *r
	}
	return nil
}

// storageDir is where the node's local persistent volumes live.
func (a *Agent) storageDir() string {
	dir, err := filepath.Abs(filepath.Join(a.cfg.DataDir, "storage"))
	if err != nil {
		return filepath.Join(a.cfg.DataDir, "storage")
	}
	return dir
}

// claimPaths remembers where each pod's claims are: a bound claim keeps
// its volume for the pod's life, so it is looked up once, not on every
// sync.
type claimPaths struct {
	mu    sync.Mutex
	paths map[string]string // pod UID/claim name → directory
}

// claimPath returns the directory of a pod's PersistentVolumeClaim,
// creating it on first use. The claim must be bound to a hostPath or
// local volume on this node, as the local-path provisioner makes them.
func (m *podManager) claimPath(pod *corev1.Pod, claim string) (string, error) {
	k := string(pod.UID) + "/" + claim
	m.claims.mu.Lock()
	path, ok := m.claims.paths[k]
	m.claims.mu.Unlock()
	if ok {
		return path, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pvc, err := m.a.client.CoreV1().PersistentVolumeClaims(pod.Namespace).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolumeclaim %q: %w", claim, err)
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return "", fmt.Errorf("persistentvolumeclaim %q is not bound yet", claim)
	}
	pv, err := m.a.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolume %q of claim %q: %w", pvc.Spec.VolumeName, claim, err)
	}
	switch {
	case pv.Spec.HostPath != nil:
		if err := checkHostPath(pv.Spec.HostPath); err != nil {
			return "", err
		}
		path = pv.Spec.HostPath.Path
	case pv.Spec.Local != nil:
		if err := os.MkdirAll(pv.Spec.Local.Path, 0o777); err != nil {
			return "", err
		}
		path = pv.Spec.Local.Path
	default:
		return "", fmt.Errorf("persistentvolume %q is neither hostPath nor local, the kinds this agent mounts", pv.Name)
	}
	m.claims.mu.Lock()
	defer m.claims.mu.Unlock()
	if m.claims.paths == nil {
		m.claims.paths = map[string]string{}
	}
	m.claims.paths[k] = path
	return path, nil
}

// forgetClaims drops what is remembered of a pod's claims once it is
// gone.
func (m *podManager) forgetClaims(uid string) {
	m.claims.mu.Lock()
	defer m.claims.mu.Unlock()
	for k := range m.claims.paths {
		if strings.HasPrefix(k, uid+"/") {
			delete(m.claims.paths, k)
		}
	}
}
