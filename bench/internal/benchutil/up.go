package benchutil

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Marina is a running `marina up` or `marina server` on its own data
// directory.
type Marina struct {
	Cmd *exec.Cmd
	// Dir is the data directory; the process's output is Dir/server.log.
	Dir string
	// Listen is the API server's address, host:port.
	Listen string
	// Ready is the time from starting the process to /readyz answering 200.
	Ready time.Duration
	// Config reaches the API server as the admin, with no client-side
	// rate limit.
	Config *rest.Config
}

// Up starts `bin up --data-dir DIR --listen 127.0.0.1:PORT args...` on a
// fresh data directory and a free port, and waits up to a minute for
// /readyz to answer 200. If it does not, the process is stopped and the
// error names the log; the data directory stays for reading it.
func Up(bin string, args ...string) (*Marina, error) {
	return Start(bin, "up", args...)
}

// Start is Up for any marina command that serves the API ("up" or
// "server").
func Start(bin, command string, args ...string) (*Marina, error) {
	dir, err := os.MkdirTemp("", "marina-bench-data")
	if err != nil {
		return nil, err
	}
	listen := fmt.Sprintf("127.0.0.1:%d", FreePort())
	cmd := exec.Command(bin, append([]string{command, "--data-dir", dir, "--listen", listen}, args...)...)
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m := &Marina{Cmd: cmd, Dir: dir, Listen: listen}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for {
		resp, err := client.Get("https://" + listen + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(t0) > time.Minute {
			m.Stop()
			return nil, fmt.Errorf("not ready after a minute; see %s/server.log", dir)
		}
		time.Sleep(5 * time.Millisecond)
	}
	m.Ready = time.Since(t0)
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "kubeconfig.yaml"))
	if err != nil {
		m.Stop()
		return nil, err
	}
	cfg.QPS, cfg.Burst = -1, 0
	m.Config = cfg
	return m, nil
}

// Stop sends SIGTERM and waits for the process to end. The data directory
// stays; Remove deletes it.
func (m *Marina) Stop() {
	_ = m.Cmd.Process.Signal(syscall.SIGTERM)
	_, _ = m.Cmd.Process.Wait()
}

// Remove stops the process and deletes the data directory.
func (m *Marina) Remove() {
	m.Stop()
	os.RemoveAll(m.Dir)
}

// FreePort is a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("no free port: %v", err))
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Poll calls done every interval until it reports true or timeout
// passes; an error from done ends it.
func Poll(ctx context.Context, interval, timeout time.Duration, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
