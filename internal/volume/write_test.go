package volume

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var versionName = regexp.MustCompile(`^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$`)

func mustWrite(t *testing.T, dir string, files map[string]File) bool {
	t.Helper()
	changed, err := Write(dir, files)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return changed
}

// listing describes dir as the user and the writer see it: each entry's
// name with "-> target" for symlinks; the current version directory shows
// as VERSION, other version directories as OLD VERSION.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	current, _ := os.Readlink(filepath.Join(dir, "..data"))
	var out []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if versionName.MatchString(target) {
				target = "VERSION"
			}
			out = append(out, name+" -> "+target)
		case e.IsDir() && name == current:
			out = append(out, "VERSION")
		case e.IsDir() && versionName.MatchString(name):
			out = append(out, "OLD VERSION")
		default:
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// withoutOld is l without the old versions Write keeps for a while.
func withoutOld(l []string) []string {
	var out []string
	for _, e := range l {
		if e != "OLD VERSION" {
			out = append(out, e)
		}
	}
	return out
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// readVolume reads every payload path through the user-visible links.
func readVolume(t *testing.T, dir string, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = fmt.Sprintf("%#o %s", fi.Mode().Perm(), data)
	}
	return out
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

func TestWriteLayout(t *testing.T) {
	dir := t.TempDir()
	changed := mustWrite(t, dir, map[string]File{
		"app.conf":   {Data: []byte("port=80"), Mode: 0o644},
		"tls/ca.crt": {Data: []byte("CA"), Mode: 0o600},
	})
	if !changed {
		t.Error("first write: changed = false")
	}
	want := []string{"..data -> VERSION", "VERSION", "app.conf -> ..data/app.conf", "tls -> ..data/tls"}
	if got := listing(t, dir); !equalStrings(got, want) {
		t.Errorf("layout:\n got %q\nwant %q", got, want)
	}
	got := readVolume(t, dir, "app.conf", "tls/ca.crt")
	if got["app.conf"] != "0644 port=80" || got["tls/ca.crt"] != "0600 CA" {
		t.Errorf("contents: %q", got)
	}
	fi, err := os.Stat(filepath.Join(dir, "..data"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("version dir mode: %v %v", fi.Mode(), err)
	}
}

func TestWriteNoChange(t *testing.T) {
	dir := t.TempDir()
	files := map[string]File{"a": {Data: []byte("1"), Mode: 0o644}, "d/b": {Data: []byte("2"), Mode: 0o600}}
	mustWrite(t, dir, files)
	before, _ := os.Readlink(filepath.Join(dir, "..data"))
	if mustWrite(t, dir, map[string]File{"./a": files["a"], "d/b": files["d/b"]}) {
		t.Error("same content: changed = true")
	}
	after, _ := os.Readlink(filepath.Join(dir, "..data"))
	if before != after {
		t.Errorf("same content rewrote the version: %s -> %s", before, after)
	}
}

func TestWriteChanges(t *testing.T) {
	base := map[string]File{
		"a":     {Data: []byte("one"), Mode: 0o644},
		"b":     {Data: []byte("two"), Mode: 0o644},
		"d/e/f": {Data: []byte("three"), Mode: 0o644},
	}
	tests := []struct {
		name     string
		next     map[string]File
		wantList []string
		wantRead map[string]string
	}{
		{
			name: "content",
			next: map[string]File{
				"a":     {Data: []byte("ONE"), Mode: 0o644},
				"b":     {Data: []byte("two"), Mode: 0o644},
				"d/e/f": {Data: []byte("three"), Mode: 0o644},
			},
			wantList: []string{"..data -> VERSION", "VERSION", "a -> ..data/a", "b -> ..data/b", "d -> ..data/d"},
			wantRead: map[string]string{"a": "0644 ONE", "b": "0644 two", "d/e/f": "0644 three"},
		},
		{
			name: "mode only",
			next: map[string]File{
				"a":     {Data: []byte("one"), Mode: 0o400},
				"b":     {Data: []byte("two"), Mode: 0o644},
				"d/e/f": {Data: []byte("three"), Mode: 0o644},
			},
			wantList: []string{"..data -> VERSION", "VERSION", "a -> ..data/a", "b -> ..data/b", "d -> ..data/d"},
			wantRead: map[string]string{"a": "0400 one"},
		},
		{
			name:     "keys removed",
			next:     map[string]File{"a": {Data: []byte("one"), Mode: 0o644}},
			wantList: []string{"..data -> VERSION", "VERSION", "a -> ..data/a"},
			wantRead: map[string]string{"a": "0644 one"},
		},
		{
			name: "nested file removed, directory kept",
			next: map[string]File{
				"a":     {Data: []byte("one"), Mode: 0o644},
				"b":     {Data: []byte("two"), Mode: 0o644},
				"d/e/g": {Data: []byte("four"), Mode: 0o644},
			},
			wantList: []string{"..data -> VERSION", "VERSION", "a -> ..data/a", "b -> ..data/b", "d -> ..data/d"},
			wantRead: map[string]string{"d/e/g": "0644 four"},
		},
		{
			name:     "everything removed",
			next:     map[string]File{},
			wantList: []string{"..data -> VERSION", "VERSION"},
		},
		{
			name: "file becomes directory",
			next: map[string]File{
				"a/x": {Data: []byte("nested"), Mode: 0o644},
			},
			wantList: []string{"..data -> VERSION", "VERSION", "a -> ..data/a"},
			wantRead: map[string]string{"a/x": "0644 nested"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, dir, base)
			if !mustWrite(t, dir, tt.next) {
				t.Error("changed = false")
			}
			if got := withoutOld(listing(t, dir)); !equalStrings(got, tt.wantList) {
				t.Errorf("layout:\n got %q\nwant %q", got, tt.wantList)
			}
			var paths []string
			for p := range tt.wantRead {
				paths = append(paths, p)
			}
			got := readVolume(t, dir, paths...)
			for p, want := range tt.wantRead {
				if got[p] != want {
					t.Errorf("%s = %q, want %q", p, got[p], want)
				}
			}
			for p := range base {
				if _, ok := tt.next[p]; ok {
					continue
				}
				fi, err := os.Stat(filepath.Join(dir, p))
				if err == nil && !fi.IsDir() {
					t.Errorf("%s still readable after removal", p)
				}
			}
		})
	}
}

func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	// 0777 and 0666 would lose bits to a usual umask of 022 without the
	// explicit chmod.
	modes := map[string]int32{"r": 0o400, "rw": 0o600, "x": 0o755, "all": 0o777, "w": 0o666, "none": 0}
	files := map[string]File{}
	for name, m := range modes {
		files["m/"+name] = File{Data: []byte(name), Mode: m}
	}
	mustWrite(t, dir, files)
	for name, m := range modes {
		fi, err := os.Stat(filepath.Join(dir, "m", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != fs.FileMode(m) {
			t.Errorf("%s: mode %#o, want %#o", name, got, m)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "m"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("subdirectory mode: %v %v", fi.Mode(), err)
	}
	if mustWrite(t, dir, files) {
		t.Error("same modes: changed = true")
	}
}

func TestWriteRejects(t *testing.T) {
	ok := File{Data: []byte("x"), Mode: 0o644}
	tests := []struct {
		name    string
		files   map[string]File
		wantErr string
	}{
		{"empty", map[string]File{"": ok}, `invalid path ""`},
		{"absolute", map[string]File{"/etc/passwd": ok}, `"/etc/passwd"`},
		{"parent", map[string]File{"..": ok}, `".."`},
		{"escape", map[string]File{"../x": ok}, `"../x"`},
		{"inner parent", map[string]File{"a/../../b": ok}, `"a/../../b"`},
		{"parent element", map[string]File{"a/../b": ok}, `"a/../b"`},
		{"reserved", map[string]File{"..data": ok}, `"..data"`},
		{"reserved prefix", map[string]File{"..foo/bar": ok}, `"..foo/bar"`},
		{"reserved after clean", map[string]File{"./..data": ok}, `"./..data"`},
		{"dot", map[string]File{".": ok}, `"."`},
		{"long name", map[string]File{strings.Repeat("n", 256): ok}, "longer than 255"},
		{"mode", map[string]File{"a": {Mode: 0o1777}}, `"a": mode`},
		{"duplicate", map[string]File{"a": ok, "./a": ok}, `duplicate path "a"`},
		{"file and dir", map[string]File{"a": ok, "a/b": ok}, `"a" is a file and the directory of "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			changed, err := Write(dir, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %s", err, tt.wantErr)
			}
			if changed {
				t.Error("changed = true on error")
			}
			if got := listing(t, dir); len(got) != 0 {
				t.Errorf("dir not left alone: %q", got)
			}
		})
	}
}

func TestWriteRemovesOldVersions(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)}
	files := func(v string) map[string]File { return map[string]File{"a": {Data: []byte(v), Mode: 0o644}} }
	step := func(name, v string, advance time.Duration, wantChanged bool, want ...string) {
		t.Helper()
		clock.t = clock.t.Add(advance)
		changed, err := write(dir, files(v), clock.now)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if changed != wantChanged {
			t.Errorf("%s: changed = %v, want %v", name, changed, wantChanged)
		}
		if got := listing(t, dir); !equalStrings(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
	current := []string{"..data -> VERSION", "VERSION", "a -> ..data/a"}
	withOld := []string{"..data -> VERSION", "OLD VERSION", "VERSION", "a -> ..data/a"}

	step("first", "1", 0, true, current...)
	first, _ := os.Readlink(filepath.Join(dir, "..data"))
	if first != "..2026_11_22_01_02_03.000000000" {
		t.Errorf("version named %q, want the write's time", first)
	}
	step("update keeps the replaced version", "2", time.Second, true, withOld...)
	// A Write that died half-way left an older version behind.
	if err := os.Mkdir(filepath.Join(dir, "..2020_01_01_00_00_00.000000000"), 0o755); err != nil {
		t.Fatal(err)
	}
	step("leftover removed, replaced kept within the grace", "2", replacedGrace-1, false, withOld...)
	step("replaced removed after the grace", "2", 1, false, current...)
	step("update again", "3", 0, true, withOld...)
	step("update soon after drops the older one", "4", time.Millisecond, true, withOld...)
	if got, _ := os.ReadFile(filepath.Join(dir, "a")); string(got) != "4" {
		t.Errorf("a = %q, want 4", got)
	}
}

func TestWriteClockSetBack(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)}
	if _, err := write(dir, map[string]File{"a": {Data: []byte("1")}}, clock.now); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Readlink(filepath.Join(dir, "..data"))
	clock.t = clock.t.Add(-time.Hour)
	if _, err := write(dir, map[string]File{"a": {Data: []byte("2")}}, clock.now); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Readlink(filepath.Join(dir, "..data"))
	if after <= before {
		t.Errorf("new version %s does not sort after %s", after, before)
	}
	if got := listing(t, dir); !equalStrings(got, []string{"..data -> VERSION", "OLD VERSION", "VERSION", "a -> ..data/a"}) {
		t.Errorf("layout: %q", got)
	}
}

func TestWriteOpenFileKeepsContent(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, map[string]File{"k": {Data: []byte("old"), Mode: 0o644}})
	f, err := os.Open(filepath.Join(dir, "k"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mustWrite(t, dir, map[string]File{"k": {Data: []byte("new"), Mode: 0o644}})

	buf := make([]byte, 16)
	n, _ := f.Read(buf)
	if got := string(buf[:n]); got != "old" {
		t.Errorf("open file reads %q, want old", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "k")); string(got) != "new" {
		t.Errorf("re-opened file reads %q, want new", got)
	}
}

func TestWriteRepairs(t *testing.T) {
	files := map[string]File{"a": {Data: []byte("1"), Mode: 0o644}}
	want := []string{"..data -> VERSION", "VERSION", "a -> ..data/a", "foreign"}
	tests := []struct {
		name        string
		damage      func(dir string) error
		wantChanged bool
	}{
		{"link removed", func(dir string) error { return os.Remove(filepath.Join(dir, "a")) }, true},
		{"stale link", func(dir string) error { return os.Symlink("..data/gone", filepath.Join(dir, "gone")) }, true},
		{"link retargeted", func(dir string) error {
			if err := os.Remove(filepath.Join(dir, "a")); err != nil {
				return err
			}
			return os.Symlink("elsewhere", filepath.Join(dir, "a"))
		}, true},
		{"data link dangling", func(dir string) error {
			target, err := os.Readlink(filepath.Join(dir, "..data"))
			if err != nil {
				return err
			}
			return os.RemoveAll(filepath.Join(dir, target))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			// Entries the writer did not create are not its to remove.
			if err := os.WriteFile(filepath.Join(dir, "foreign"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, dir, files)
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			if got := mustWrite(t, dir, files); got != tt.wantChanged {
				t.Errorf("changed = %v, want %v", got, tt.wantChanged)
			}
			if got := withoutOld(listing(t, dir)); !equalStrings(got, want) {
				t.Errorf("layout:\n got %q\nwant %q", got, want)
			}
			if got := readVolume(t, dir, "a"); got["a"] != "0644 1" {
				t.Errorf("a = %q", got["a"])
			}
		})
	}
}

func TestWriteRefusesForeignEntryInTheWay(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(dir, map[string]File{"a": {Data: []byte("1"), Mode: 0o644}})
	if err == nil || !strings.Contains(err.Error(), "in the way") {
		t.Fatalf("err = %v, want one about an entry in the way", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a")); string(got) != "mine" {
		t.Errorf("foreign file overwritten: %q", got)
	}
}

// TestWriteConcurrentReaders updates a volume repeatedly while readers
// re-open its files: every read must succeed and return one whole version,
// and a reader must never go back to an older version.
func TestWriteConcurrentReaders(t *testing.T) {
	const updates = 300
	dir := t.TempDir()
	version := func(i int) map[string]File {
		// Sizes vary so a torn write would show as a bad length.
		body := strings.Repeat(strconv.Itoa(i%10), 512+(i%7)*1024)
		data := []byte(fmt.Sprintf("v%d|%s|end", i, body))
		return map[string]File{"key": {Data: data, Mode: 0o644}, "sub/key": {Data: data, Mode: 0o644}}
	}
	parse := func(data []byte) (int, error) {
		s := string(data)
		head, rest, ok := strings.Cut(s, "|")
		if !ok || !strings.HasSuffix(rest, "|end") {
			return 0, fmt.Errorf("torn content (%d bytes)", len(s))
		}
		i, err := strconv.Atoi(strings.TrimPrefix(head, "v"))
		if err != nil {
			return 0, fmt.Errorf("bad header %q", head)
		}
		if want := string(version(i)["key"].Data); s != want {
			return 0, fmt.Errorf("version %d: content differs (%d bytes, want %d)", i, len(s), len(want))
		}
		return i, nil
	}
	mustWrite(t, dir, version(0))

	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	var reads [2]int
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				for _, p := range []string{"key", "sub/key"} {
					data, err := os.ReadFile(filepath.Join(dir, p))
					if err != nil {
						errs <- fmt.Errorf("read %s: %w", p, err)
						return
					}
					i, err := parse(data)
					if err != nil {
						errs <- fmt.Errorf("read %s: %w", p, err)
						return
					}
					if i < last {
						errs <- fmt.Errorf("read %s: version %d after %d", p, i, last)
						return
					}
					last = i
					reads[r]++
				}
			}
		}()
	}
	for i := 1; i <= updates; i++ {
		if _, err := Write(dir, version(i)); err != nil {
			t.Errorf("Write %d: %v", i, err)
			break
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads[0] == 0 || reads[1] == 0 {
		t.Errorf("readers did not run: %v reads", reads)
	}
	got := readVolume(t, dir, "key")
	if want := fmt.Sprintf("0644 %s", version(updates)["key"].Data); got["key"] != want {
		t.Errorf("final content is not the last version")
	}
	if got := listing(t, dir); !equalStrings(got, []string{"..data -> VERSION", "OLD VERSION", "VERSION", "key -> ..data/key", "sub -> ..data/sub"}) {
		t.Errorf("layout after updates: %q", got)
	}
}
