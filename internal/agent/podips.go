package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// podIPs hands each pod its own loopback address (all of 127.0.0.0/8
// reaches lo on Linux, no root needed), from 127.1.0.1 up, and remembers
// it in the data dir so a restarted agent gives running pods the same one.
//
// Every agent on a machine draws from the same range, so an address is
// also claimed machine-wide: a file named after it in claimsDir, holding
// the claiming agent's data dir. A claim whose data dir is gone (an agent
// removed, a test's temporary dir) is stale and may be taken over.
type podIPs struct {
	dir       string
	claimsDir string
	owner     string // this agent's data dir, absolute
	mu        sync.Mutex
	byUID     map[string]string
	used      map[string]bool
}

// podIPBase is the first pod address; 127.0.0.0/16 is left to the node.
var podIPBase = net.IPv4(127, 1, 0, 1).To4()

// podIPCount bounds the range to 127.1.0.1 – 127.255.255.254.
const podIPCount = 254*256*256 - 2

// podIPClaims is where the agents of a machine claim pod addresses: under
// /run, so claims go with a reboot, as the processes holding them do.
func podIPClaims() string {
	if os.Geteuid() == 0 {
		return "/run/marina/podips"
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("marina-podips-%d", os.Geteuid()))
}

func loadPodIPs(dataDir, claimsDir string) (*podIPs, error) {
	owner, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	p := &podIPs{dir: filepath.Join(dataDir, "podips"), claimsDir: claimsDir, owner: owner, byUID: map[string]string{}, used: map[string]bool{}}
	for _, d := range []string{p.dir, claimsDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
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
		// Renew the claim (the machine may have rebooted since).
		if _, err := p.claim(ip); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// claim takes ip machine-wide; false when a live agent holds it.
func (p *podIPs) claim(ip string) (bool, error) {
	path := filepath.Join(p.claimsDir, ip)
	for range 2 {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_, err = f.WriteString(p.owner + "\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return err == nil, err
		}
		if !errors.Is(err, fs.ErrExist) {
			return false, fmt.Errorf("claim pod address %s: %w", ip, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			continue // released meanwhile
		}
		holder := strings.TrimSpace(string(b))
		if holder == p.owner {
			return true, nil
		}
		if _, err := os.Stat(holder); err == nil || holder == "" {
			return false, nil
		}
		_ = os.Remove(path) // stale: its agent's data is gone
	}
	return false, nil
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
		ok, err := p.claim(ip)
		if err != nil {
			return "", err
		}
		if !ok {
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
		path := filepath.Join(p.claimsDir, ip)
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == p.owner {
			_ = os.Remove(path)
		}
	}
}
func addToIP(base net.IP, n int) net.IP {
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(n)
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
