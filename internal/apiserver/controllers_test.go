package apiserver

import (
	"strings"
	"testing"
)

func TestParseControllers(t *testing.T) {
	all, err := ParseControllers(nil)
	if err != nil || len(all) != len(Controllers) {
		t.Fatalf("default: %v, %v", all, err)
	}
	got, err := ParseControllers([]string{"*", "-replicaset"})
	if err != nil || got["replicaset"] || !got["scheduler"] || !got["garbagecollector"] {
		t.Errorf("*,-replicaset: %v, %v", got, err)
	}
	got, err = ParseControllers([]string{"scheduler"})
	if err != nil || !got["scheduler"] || got["replicaset"] {
		t.Errorf("scheduler alone: %v, %v", got, err)
	}
	if _, err := ParseControllers([]string{"*", "-deployment-typo"}); err == nil || !strings.Contains(err.Error(), `unknown controller "deployment-typo"`) {
		t.Errorf("unknown name: %v", err)
	}
}
