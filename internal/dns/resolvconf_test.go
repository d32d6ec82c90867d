package dns

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestClusterSearch(t *testing.T) {
	got := ClusterSearch("shop", "cluster.local.")
	want := []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}
	if !slices.Equal(got, want) {
		t.Errorf("ClusterSearch = %q, want %q", got, want)
	}
}

func TestPodResolvConfRoundTrip(t *testing.T) {
	// A ClusterFirst pod: the cluster DNS, the cluster search path then the
	// node's, ndots:5 overridden by the pod's dnsConfig.
	nameservers := []string{"10.96.0.10", ""}
	searches := append(ClusterSearch("default", "cluster.local"), "corp.example", "svc.cluster.local")
	options := []string{"ndots:5", "edns0", "ndots:2"}

	content := PodResolvConf(nameservers, searches, options)
	want := "search default.svc.cluster.local svc.cluster.local cluster.local corp.example\n" +
		"nameserver 10.96.0.10\n" +
		"options ndots:2 edns0\n"
	if string(content) != want {
		t.Errorf("PodResolvConf:\n%s\nwant:\n%s", content, want)
	}

	path := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	ns, search, opts, err := ReadResolvConf(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"nameservers", ns, []string{"10.96.0.10"}},
		{"searches", search, []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"}},
		{"options", opts, []string{"ndots:2", "edns0"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}

	if got := PodResolvConf([]string{"10.96.0.10"}, ClusterSearch("default", "cluster.local"), []string{"ndots:5"}); string(got) !=
		"search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n" {
		t.Errorf("ndots:5 resolv.conf:\n%s", got)
	}
}

func TestReadResolvConf(t *testing.T) {
	tests := []struct {
		name                         string
		content                      string
		nameservers, search, options []string
	}{
		{
			name: "systemd-resolved stub",
			content: "# This is /run/systemd/resolve/stub-resolv.conf\n" +
				"nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n",
			nameservers: []string{"127.0.0.53"}, search: []string{"lan"}, options: []string{"edns0", "trust-ad"},
		},
		{
			name: "last search or domain wins, comments, tabs",
			content: "search a.example b.example\n; comment\nnameserver\t10.0.0.1 # primary\n" +
				"nameserver fd00::1\ndomain c.example\noptions ndots:1\noptions timeout:2\n",
			nameservers: []string{"10.0.0.1", "fd00::1"}, search: []string{"c.example"}, options: []string{"ndots:1", "timeout:2"},
		},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "resolv.conf")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			ns, search, opts, err := ReadResolvConf(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ns, tt.nameservers) || !slices.Equal(search, tt.search) || !slices.Equal(opts, tt.options) {
				t.Errorf("got %q %q %q, want %q %q %q", ns, search, opts, tt.nameservers, tt.search, tt.options)
			}
		})
	}
	if _, _, _, err := ReadResolvConf(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file: no error")
	}
}
