package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// peers are the servers Marina is compared with, serving the same
// backends and names; each address is 127.0.0.1:port.
type peers struct {
	children []*child
	// cpu meters each peer by its name: nginx, haproxy, dnsmasq.
	cpu map[string]cpuMeter

	nginx, haproxyHTTP, haproxyTCP string
	dnsmasq                        string
}

// stop ends every peer started.
func (p *peers) stop() {
	for _, c := range p.children {
		c.stop()
	}
}

// startPeers starts nginx, HAProxy and dnsmasq, configured in dir, and
// waits until they listen. On error, the ones started are in the result
// for stop.
func startPeers(dir string, c *cluster) (*peers, error) {
	p := &peers{
		nginx:       addr(benchutil.FreePort()),
		haproxyHTTP: addr(benchutil.FreePort()),
		haproxyTCP:  addr(benchutil.FreePort()),
		dnsmasq:     addr(benchutil.FreePort()), // dnsmasq also serves TCP there
		cpu:         map[string]cpuMeter{},
	}
	var backends []string
	for _, pd := range c.pods {
		backends = append(backends, pd.ip+":8080")
	}

	nginxDir := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(nginxDir, 0o755); err != nil {
		return p, err
	}
	nginxConf := filepath.Join(nginxDir, "nginx.conf")
	haproxyConf := filepath.Join(dir, "haproxy.cfg")
	hosts := filepath.Join(dir, "dnsmasq.hosts")
	files := map[string]string{
		nginxConf:   nginxConfig(nginxDir, p.nginx, backends),
		haproxyConf: haproxyConfig(p.haproxyHTTP, p.haproxyTCP, backends),
		hosts:       hostsFile(c.names, c.ips),
	}
	for path, content := range files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return p, err
		}
	}
	_, dnsPort, _ := strings.Cut(p.dnsmasq, ":")
	for _, s := range []struct {
		name   string
		listen []string
		argv   []string
	}{
		{"nginx", []string{p.nginx}, []string{"nginx", "-p", nginxDir, "-e", filepath.Join(nginxDir, "error.log"), "-c", nginxConf, "-g", "daemon off;"}},
		{"haproxy", []string{p.haproxyHTTP, p.haproxyTCP}, []string{"haproxy", "-db", "-f", haproxyConf}},
		// --no-daemon also keeps it from changing user and writing a pid
		// file; the default cache size.
		{"dnsmasq", []string{p.dnsmasq}, []string{"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
			"--addn-hosts=" + hosts, "--port=" + dnsPort, "--listen-address=127.0.0.1", "--bind-interfaces"}},
	} {
		ch, err := startChild(dir, s.name, s.argv...)
		if err != nil {
			return p, err
		}
		p.children = append(p.children, ch)
		p.cpu[s.name] = groupCPU(ch.cmd.Process.Pid)
		for _, a := range s.listen {
			if err := ch.waitListening(a); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// nginxConfig is a reverse proxy on listen to the backends, with kept-alive
// upstream connections.
func nginxConfig(dir, listen string, backends []string) string {
	var servers strings.Builder
	for _, b := range backends {
		fmt.Fprintf(&servers, "    server %s;\n", b)
	}
	return fmt.Sprintf(`worker_processes 2;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/client_body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream backends {
%[3]s    keepalive 64;
  }
  server {
    listen %[2]s;
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`, dir, listen, servers.String())
}

// haproxyConfig is HAProxy in http mode on httpAddr and in tcp mode on
// tcpAddr, round robin over the backends.
func haproxyConfig(httpAddr, tcpAddr string, backends []string) string {
	var servers strings.Builder
	for i, b := range backends {
		fmt.Fprintf(&servers, "  server b%d %s\n", i, b)
	}
	return fmt.Sprintf(`global
  nbthread 2
  maxconn 4096

defaults
  timeout connect 5s
  timeout client 30s
  timeout server 30s

frontend http_in
  mode http
  bind %[1]s
  option http-keep-alive
  default_backend http_out

backend http_out
  mode http
  balance roundrobin
  http-reuse always
  option http-keep-alive
%[3]s
frontend tcp_in
  mode tcp
  bind %[2]s
  default_backend tcp_out

backend tcp_out
  mode tcp
  balance roundrobin
%[3]s`, httpAddr, tcpAddr, servers.String())
}

// hostsFile maps each name (without its final dot) to its address.
func hostsFile(names, ips []string) string {
	var b strings.Builder
	for i, n := range names {
		fmt.Fprintf(&b, "%s %s\n", ips[i], strings.TrimSuffix(n, "."))
	}
	return b.String()
}
