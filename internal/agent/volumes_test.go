package agent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/marina-orchestrator/marina/internal/volume"
)

// TestWrittenVolumes: a volume is written when its content changes, not
// on every sync, and forgotten with its pod.
func TestWrittenVolumes(t *testing.T) {
	pod := filepath.Join(t.TempDir(), "uid")
	dir := filepath.Join(pod, "volumes", "config")
	w := writtenVolumes{digest: map[string][32]byte{}}
	files := map[string]volume.File{"greeting": {Data: []byte("hello"), Mode: 0o644}}
	if err := w.write(dir, files); err != nil {
		t.Fatal(err)
	}
	read := func() string { b, _ := os.ReadFile(filepath.Join(dir, "greeting")); return string(b) }
	if read() != "hello" {
		t.Fatalf("greeting = %q", read())
	}
	// Unchanged content is not written again: a file removed behind the
	// agent's back stays removed until the content changes.
	os.Remove(filepath.Join(dir, "greeting"))
	if err := w.write(dir, files); err != nil || read() != "" {
		t.Fatalf("rewrote unchanged content: %q %v", read(), err)
	}
	files["greeting"] = volume.File{Data: []byte("bonjour"), Mode: 0o644}
	if err := w.write(dir, files); err != nil || read() != "bonjour" {
		t.Fatalf("changed content not written: %q %v", read(), err)
	}
	w.forget(pod)
	if len(w.digest) != 0 {
		t.Errorf("forget left %v", w.digest)
	}
}
