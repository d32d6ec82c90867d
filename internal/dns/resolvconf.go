package dns

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// ClusterSearch is the search path of a pod in namespace ns with dnsPolicy
// ClusterFirst: "<ns>.svc.<domain>", "svc.<domain>", "<domain>", so that
// "web" and "web.other" resolve as services.
func ClusterSearch(ns, domain string) []string {
	domain = strings.TrimSuffix(domain, ".")
	return []string{ns + ".svc." + domain, "svc." + domain, domain}
}

// PodResolvConf renders a pod's /etc/resolv.conf from the lists the caller
// computed from the pod's dnsPolicy and dnsConfig (for ClusterFirst: the
// cluster DNS address, ClusterSearch followed by the node's searches, and
// "ndots:5"). Empty entries are dropped, as are repeated search domains; of
// options with the same name ("ndots:5", "ndots:2") the last wins, in the
// place of the first, as the kubelet merges them. It does not enforce the
// kubelet's limits (3 nameservers, 32 search domains): that is the
// caller's to report.
func PodResolvConf(nameservers []string, searches []string, options []string) []byte {
	var b bytes.Buffer
	if s := dedupe(searches, func(s string) string { return s }); len(s) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(s, " "))
	}
	for _, ns := range nameservers {
		if ns != "" {
			fmt.Fprintf(&b, "nameserver %s\n", ns)
		}
	}
	if o := dedupe(options, optionName); len(o) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(o, " "))
	}
	return b.Bytes()
}

// optionName is the name of a resolv.conf option: "ndots" of "ndots:5".
func optionName(o string) string {
	name, _, _ := strings.Cut(o, ":")
	return name
}

// dedupe drops empty entries and keeps one entry per key: the last one, at
// the position of the first.
func dedupe(in []string, key func(string) string) []string {
	var out []string
	at := map[string]int{}
	for _, s := range in {
		if s == "" {
			continue
		}
		k := key(s)
		if i, ok := at[k]; ok {
			out[i] = s
			continue
		}
		at[k] = len(out)
		out = append(out, s)
	}
	return out
}

// ReadResolvConf parses a resolv.conf (the node's, usually
// /etc/resolv.conf) as the C library reads it: every "nameserver" line in
// order; the search list of the last "search" or "domain" line; the options
// of every "options" line. Comments start with '#' or ';'.
func ReadResolvConf(path string) (nameservers, searches, options []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read resolv.conf: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			if len(fields) > 1 {
				nameservers = append(nameservers, fields[1])
			}
		case "search":
			searches = append([]string(nil), fields[1:]...)
		case "domain":
			searches = append([]string(nil), fields[1:min(2, len(fields))]...)
		case "options":
			options = append(options, fields[1:]...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("read resolv.conf %s: %w", path, err)
	}
	return nameservers, searches, options, nil
}
