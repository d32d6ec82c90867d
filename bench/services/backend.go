package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// backendSource is the service's backend: a static HTTP server on
// $POD_IP:8080 whose body (100 bytes) names its pod, so that a client
// can tell which pod answered. /ready answers 503 while the file
// $READY_DIR/notready-$POD_NAME exists: the benchmark turns a pod unready
// and ready again with it.
const backendSource = `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
)

func main() {
	name := os.Getenv("POD_NAME")
	flag := filepath.Join(os.Getenv("READY_DIR"), "notready-"+name)
	body := []byte(fmt.Sprintf("%-99.99s\n", "hello from "+name))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	http.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(flag); err == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	if err := http.ListenAndServe(net.JoinHostPort(os.Getenv("POD_IP"), "8080"), nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
`

// buildBackend builds the backend into dir and returns its path.
func buildBackend(dir string) (string, error) {
	src := filepath.Join(dir, "backend-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	files := map[string]string{"main.go": backendSource, "go.mod": "module backend\n\ngo 1.22\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "backend")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the backend: %w\n%s", err, out)
	}
	return bin, nil
}
