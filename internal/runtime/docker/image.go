package docker

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// SandboxRepository is the repository of sandbox images. The tag is the
// first 12 hex digits of the SHA-256 of the marina binary inside, so a new
// binary gets a new image and running sandboxes keep theirs.
const SandboxRepository = "marina/sandbox"

var errNeverPull = errors.New("the image is not present and the pull policy is Never")

// ensureImage pulls ref as policy (Always, IfNotPresent, Never; ""
// counts as IfNotPresent) says. Failures are *runtime.ImagePullError.
func (r *Runtime) ensureImage(ctx context.Context, ref, policy string) error {
	if ref == "" {
		return &runtime.ImagePullError{Image: ref, Err: errors.New("the docker runtime needs an image")}
	}
	if policy != "Always" {
		_, err := r.cli.ImageInspect(ctx, ref)
		if err == nil {
			return nil
		}
		if !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("inspect image %s: %w", ref, err)
		}
		if policy == "Never" {
			return &runtime.ImagePullError{Image: ref, Err: errNeverPull}
		}
	}
	if err := pull(ctx, r.cli, ref); err != nil {
		return &runtime.ImagePullError{Image: ref, Err: err}
	}
	return nil
}

// pull pulls ref (its tag, "latest" if it has none). Errors the daemon
// reports in the middle of the pull end it too.
func pull(ctx context.Context, cli client.APIClient, ref string) error {
	rc, err := cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	return drain(rc)
}

// drain reads a stream of Docker's JSON progress messages (of a pull or a
// build) to its end and returns the first error one reports.
func drain(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return errors.New(m.ErrorDetail.Message)
		}
		if m.Error != "" {
			return errors.New(m.Error)
		}
	}
}

// EnsureSandboxImage returns the name of the sandbox image holding the
// binary at binaryPath, building the image if Docker does not have it. The
// image is FROM scratch with the binary as /marina, run as
// `/marina pause`. A dynamically linked binary (built with cgo) gets its
// ELF interpreter and shared libraries too, copied from this node at the
// paths the dynamic loader searches.
func EnsureSandboxImage(ctx context.Context, cli client.APIClient, binaryPath string) (string, error) {
	sum, err := fileHash(binaryPath)
	if err != nil {
		return "", fmt.Errorf("sandbox image: %w", err)
	}
	tag := fmt.Sprintf("%s:%x", SandboxRepository, sum[:6])
	if _, err := cli.ImageInspect(ctx, tag); err == nil {
		return tag, nil
	} else if !cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("inspect sandbox image: %w", err)
	}
	files := map[string]string{"/marina": binaryPath}
	libs, err := sharedLibraries(binaryPath)
	if err != nil {
		return "", fmt.Errorf("sandbox image: %w", err)
	}
	for _, l := range libs {
		files[l] = l
	}
	if err := buildImage(ctx, cli, tag, files, []string{"/marina", "pause"}); err != nil {
		return "", fmt.Errorf("build sandbox image: %w", err)
	}
	removeOldImages(ctx, cli, SandboxRepository, tag, time.Hour)
	return tag, nil
}

// removeOldImages removes the images of repository (the sandbox images of
// earlier marina binaries) but keep, so upgrades do not pile them up on
// the node. Docker refuses to remove one that a sandbox still runs from;
// that one stays until next time. Images younger than minAge stay too:
// another marina on this Docker daemon may have just built one and not
// yet started a sandbox from it.
func removeOldImages(ctx context.Context, cli client.APIClient, repository, keep string, minAge time.Duration) {
	list, err := cli.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", repository))})
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-minAge).Unix()
	for _, img := range list {
		if minAge > 0 && img.Created > cutoff {
			continue
		}
		for _, ref := range img.RepoTags {
			if ref != keep {
				_, _ = cli.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
			}
		}
	}
}

func fileHash(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// buildImage builds tag FROM scratch with files (the path in the image to
// the file on this node) and entrypoint. The build context is streamed to
// Docker as a tar made on the fly.
func buildImage(ctx context.Context, cli client.APIClient, tag string, files map[string]string, entrypoint []string) error {
	ep, err := json.Marshal(entrypoint)
	if err != nil {
		return err
	}
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY rootfs/ /\nENTRYPOINT %s\n", ep)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeContext(pw, dockerfile, files)) }()
	defer pr.Close()
	resp, err := cli.ImageBuild(ctx, pr, build.ImageBuildOptions{
		Tags: []string{tag}, Dockerfile: "Dockerfile", Remove: true, ForceRemove: true,
		Version: build.BuilderV1, // BuildKit is not there on every daemon
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return drain(resp.Body)
}

// writeContext writes a build context: the Dockerfile and files under
// rootfs/, with their parent directories.
func writeContext(w io.Writer, dockerfile string, files map[string]string) error {
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, dockerfile); err != nil {
		return err
	}
	dirs := map[string]bool{}
	for dst, src := range files {
		name := path.Join("rootfs", dst)
		for d := path.Dir(name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}); err != nil {
				return err
			}
		}
		if err := addFile(tw, name, src); err != nil {
			return err
		}
	}
	return tw.Close()
}

// addFile adds the file at src (following symbolic links) as name.
func addFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: int64(fi.Mode().Perm() | 0o555), Size: fi.Size()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// sharedLibraries returns the ELF interpreter and, transitively, the
// shared libraries the binary at p needs, as found on this node; nothing
// for a static binary.
func sharedLibraries(p string) ([]string, error) {
	f, err := elf.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var interp string
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b, err := io.ReadAll(prog.Open())
			if err != nil {
				return nil, fmt.Errorf("read the ELF interpreter of %s: %w", p, err)
			}
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if interp == "" {
		return nil, nil
	}
	dirs := libraryDirs(f.Machine)
	out := []string{interp}
	seen := map[string]bool{}
	queue, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("read the libraries %s needs: %w", p, err)
	}
	for len(queue) > 0 {
		lib := queue[0]
		queue = queue[1:]
		if seen[lib] {
			continue
		}
		seen[lib] = true
		found := ""
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
				found = filepath.Join(d, lib)
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("%s needs %s, which is not in %v; build marina with CGO_ENABLED=0", p, lib, dirs)
		}
		out = append(out, found)
		lf, err := elf.Open(found)
		if err != nil {
			return nil, err
		}
		more, err := lf.ImportedLibraries()
		lf.Close()
		if err != nil {
			return nil, fmt.Errorf("read the libraries %s needs: %w", found, err)
		}
		queue = append(queue, more...)
	}
	return out, nil
}

// libraryDirs are where the dynamic loader looks for libraries by default,
// multiarch directories (Debian and its kind) first.
func libraryDirs(m elf.Machine) []string {
	var dirs []string
	if triple := map[elf.Machine]string{elf.EM_X86_64: "x86_64-linux-gnu", elf.EM_AARCH64: "aarch64-linux-gnu"}[m]; triple != "" {
		dirs = append(dirs, "/lib/"+triple, "/usr/lib/"+triple)
	}
	return append(dirs, "/lib64", "/usr/lib64", "/lib", "/usr/lib")
}
