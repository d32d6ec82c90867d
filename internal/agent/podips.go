package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// podIPs hands each pod its own loopback address (all of 127.0.0.0/8
// reaches lo on Linux, no root needed), from 127.1.0.1 up, and remembers
// it in the data dir so a restarted agent gives running pods the same one.
type podIPs struct {
	dir   string
	mu    sync.Mutex
	byUID map[string]string
	used  map[string]bool
}

// podIPBase is the first pod address; 127.0.0.0/16 is left to the node.
var podIPBase = net.IPv4(127, 1, 0, 1).To4()

// podIPCount bounds the range to 127.1.0.1 – 127.255.255.254.
const podIPCount = 254*256*256 - 2

func loadPodIPs(dataDir string) (*podIPs, error) {
	p := &podIPs{dir: filepath.Join(dataDir, "podips"), byUID: map[string]string{}, used: map[string]bool{}}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(p.dir, e.Name()))
		if err != nil {
			continue
		}
		ip := strings.TrimSpace(string(b))
		p.byUID[e.Name()] = ip
		p.used[ip] = true
	}
	return p, nil
}

// get returns the pod's address, allocating one the first time.
func (p *podIPs) get(uid string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ip, ok := p.byUID[uid]; ok {
		return ip, nil
	}
	for i := 0; i < podIPCount; i++ {
		ip := addToIP(podIPBase, i).String()
		if p.used[ip] {
			continue
		}
		if err := os.WriteFile(filepath.Join(p.dir, uid), []byte(ip+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("record pod address: %w", err)
		}
		p.byUID[uid], p.used[ip] = ip, true
		return ip, nil
	}
	return "", errors.New("no free loopback address for the pod")
}

// release frees a pod's address.
func (p *podIPs) release(uid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ip, ok := p.byUID[uid]; ok {
		delete(p.used, ip)
		delete(p.byUID, uid)
		_ = os.Remove(filepath.Join(p.dir, uid))
	}
}

func addToIP(base net.IP, n int) net.IP {
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(n)
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
