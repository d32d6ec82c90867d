package storage

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"bolt default", Config{DataDir: "/d"}, ""},
		{"etcd", Config{Backend: Etcd, DataDir: "/d", EtcdEndpoints: []string{"http://127.0.0.1:2379"}}, ""},
		{"unknown backend", Config{Backend: "mysql", DataDir: "/d"}, "--datastore"},
		{"etcd without endpoints", Config{Backend: Etcd, DataDir: "/d"}, "--etcd-endpoints: required"},
		{"endpoints without etcd", Config{DataDir: "/d", EtcdEndpoints: []string{"http://x:2379"}}, "only used with --datastore etcd"},
		{"endpoint without scheme", Config{Backend: Etcd, DataDir: "/d", EtcdEndpoints: []string{"127.0.0.1:2379"}}, "not an http:// or https:// URL"},
		{"no data dir", Config{}, "--data-dir"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
