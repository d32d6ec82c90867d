// Package alloc hands out what services need to be unique: cluster IPs
// from the service CIDR and node ports from their range. It is pure
// bookkeeping: the API server's service storage calls it while creating,
// updating and deleting services, and fills it from the stored services
// when it starts, so the services themselves are the persisted record of
// what is taken.
package alloc

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"sync"
)

// The errors allocation returns; callers turn them into field errors.
var (
	// ErrAllocated: the requested item is taken.
	ErrAllocated = errors.New("already allocated")
	// ErrNotInRange: the requested item is outside the range.
	ErrNotInRange = errors.New("not in the valid range")
	// ErrFull: nothing is left to hand out.
	ErrFull = errors.New("range is full")
)

// pool is a set of n items numbered 0..n-1. It is safe for concurrent
// use.
type pool struct {
	mu   sync.Mutex
	n    int
	used map[int]struct{}
	rnd  *rand.Rand
}

func newPool(n int) *pool {
	return &pool{n: n, used: map[int]struct{}{}, rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

func (p *pool) allocate(i int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < 0 || i >= p.n {
		return ErrNotInRange
	}
	if _, ok := p.used[i]; ok {
		return ErrAllocated
	}
	p.used[i] = struct{}{}
	return nil
}

// next takes a free item, starting the search at a random one as
// Kubernetes does, so that a released item is not handed out again at
// once (clients may still hold it).
func (p *pool) next() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.used) >= p.n {
		return 0, ErrFull
	}
	start := p.rnd.IntN(p.n)
	for k := range p.n {
		i := (start + k) % p.n
		if _, ok := p.used[i]; !ok {
			p.used[i] = struct{}{}
			return i, nil
		}
	}
	return 0, ErrFull
}

func (p *pool) release(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.used, i)
}

func (p *pool) has(i int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.used[i]
	return ok
}

func (p *pool) free() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n - len(p.used)
}

// IPRange hands out the addresses of a CIDR, without its network address
// (and, for IPv4, its broadcast address), as Kubernetes' service IP
// allocator does.
type IPRange struct {
	prefix netip.Prefix
	first  netip.Addr
	pool   *pool
}

// maxRangeSize bounds a range's size: a /12 of IPv4 (Kubernetes' default
// service CIDR) is 2^20 addresses; IPv6 ranges are cut to this many.
const maxRangeSize = 1 << 20

// NewIPRange returns the range of cidr's usable addresses.
func NewIPRange(cidr netip.Prefix) (*IPRange, error) {
	if !cidr.IsValid() {
		return nil, fmt.Errorf("invalid CIDR %s", cidr)
	}
	cidr = cidr.Masked()
	hostBits := cidr.Addr().BitLen() - cidr.Bits()
	size := 1 << min(hostBits, 21)
	if cidr.Addr().Is4() {
		size -= 2 // network and broadcast
	} else {
		size-- // the subnet-router anycast address
	}
	size = min(size, maxRangeSize)
	if size < 1 {
		return nil, fmt.Errorf("CIDR %s is too small: no usable addresses", cidr)
	}
	return &IPRange{prefix: cidr, first: cidr.Addr().Next(), pool: newPool(size)}, nil
}

// CIDR is the range's network.
func (r *IPRange) CIDR() netip.Prefix { return r.prefix }

// Nth returns the range's nth usable address (0 is the first), the way
// well-known service addresses are chosen (the API service takes the
// first, cluster DNS the tenth).
func (r *IPRange) Nth(n int) (netip.Addr, error) {
	if n < 0 || n >= r.pool.n {
		return netip.Addr{}, ErrNotInRange
	}
	return r.at(n), nil
}

func (r *IPRange) at(i int) netip.Addr {
	b := new(big.Int).SetBytes(r.first.AsSlice())
	b.Add(b, big.NewInt(int64(i)))
	out := make([]byte, r.first.BitLen()/8)
	b.FillBytes(out)
	a, _ := netip.AddrFromSlice(out)
	return a
}

func (r *IPRange) index(ip netip.Addr) (int, bool) {
	ip = ip.Unmap()
	if !r.prefix.Contains(ip) || ip.BitLen() != r.first.BitLen() {
		return 0, false
	}
	d := new(big.Int).Sub(new(big.Int).SetBytes(ip.AsSlice()), new(big.Int).SetBytes(r.first.AsSlice()))
	if d.Sign() < 0 || !d.IsInt64() || d.Int64() >= int64(r.pool.n) {
		return 0, false
	}
	return int(d.Int64()), true
}

// Allocate takes ip. It fails with ErrNotInRange or ErrAllocated.
func (r *IPRange) Allocate(ip netip.Addr) error {
	i, ok := r.index(ip)
	if !ok {
		return ErrNotInRange
	}
	return r.pool.allocate(i)
}

// AllocateNext takes a free address, or fails with ErrFull.
func (r *IPRange) AllocateNext() (netip.Addr, error) {
	i, err := r.pool.next()
	if err != nil {
		return netip.Addr{}, err
	}
	return r.at(i), nil
}

// Release gives ip back; releasing a free or foreign address does nothing.
func (r *IPRange) Release(ip netip.Addr) {
	if i, ok := r.index(ip); ok {
		r.pool.release(i)
	}
}

// Has reports whether ip is taken.
func (r *IPRange) Has(ip netip.Addr) bool {
	i, ok := r.index(ip)
	return ok && r.pool.has(i)
}

// Contains reports whether ip is one of the range's usable addresses.
func (r *IPRange) Contains(ip netip.Addr) bool {
	_, ok := r.index(ip)
	return ok
}

// Free is how many addresses are left.
func (r *IPRange) Free() int { return r.pool.free() }

// PortRange hands out the ports base..base+size-1.
type PortRange struct {
	base int
	pool *pool
}

// NewPortRange returns the range of ports from first to last, inclusive.
func NewPortRange(first, last int) (*PortRange, error) {
	if first < 1 || last > 65535 || last < first {
		return nil, fmt.Errorf("invalid port range %d-%d", first, last)
	}
	return &PortRange{base: first, pool: newPool(last - first + 1)}, nil
}

// String is the range as "first-last".
func (r *PortRange) String() string { return fmt.Sprintf("%d-%d", r.base, r.base+r.pool.n-1) }

// Allocate takes port. It fails with ErrNotInRange or ErrAllocated.
func (r *PortRange) Allocate(port int) error { return r.pool.allocate(port - r.base) }

// AllocateNext takes a free port, or fails with ErrFull.
func (r *PortRange) AllocateNext() (int, error) {
	i, err := r.pool.next()
	return r.base + i, err
}

// Release gives port back.
func (r *PortRange) Release(port int) { r.pool.release(port - r.base) }

// Has reports whether port is taken.
func (r *PortRange) Has(port int) bool { return r.pool.has(port - r.base) }

// Free is how many ports are left.
func (r *PortRange) Free() int { return r.pool.free() }
