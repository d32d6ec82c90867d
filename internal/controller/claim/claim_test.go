package claim

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func pod(name, app string, owner types.UID, deleting bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), Labels: map[string]string{"app": app}}}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{ControllerRef("apps/v1", "ReplicaSet", "x", owner)}
	}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{}
	}
	return p
}

func TestClaim(t *testing.T) {
	owner := Owner{Ref: ControllerRef("apps/v1", "ReplicaSet", "web", "rs-uid"), Selector: labels.SelectorFromSet(labels.Set{"app": "web"})}
	pods := []*corev1.Pod{
		pod("mine", "web", "rs-uid", false),
		pod("mine-relabelled", "db", "rs-uid", false),
		pod("orphan", "web", "", false),
		pod("orphan-deleting", "web", "", true),
		pod("orphan-other-app", "db", "", false),
		pod("someone-elses", "web", "other-uid", false),
		pod("orphan-conflict", "web", "", false),
	}
	tests := []struct {
		name      string
		deleting  bool
		recheck   error
		wantOwned []string
		wantPatch []string
		wantErr   string
	}{
		{name: "live owner", wantOwned: []string{"mine", "orphan"},
			wantPatch: []string{"release mine-relabelled", "adopt orphan", "adopt orphan-conflict"}},
		{name: "owner being deleted keeps what it has and adopts nothing", deleting: true,
			wantOwned: []string{"mine", "mine-relabelled"}},
		{name: "owner replaced in the API adopts nothing", recheck: errors.New("web was replaced"),
			wantOwned: []string{"mine"}, wantPatch: []string{"release mine-relabelled"}, wantErr: "recheck before adopting: web was replaced"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := owner
			o.Deleting = tc.deleting
			o.Recheck = func(context.Context) error { return tc.recheck }
			var patched []string
			got, err := Claim(context.Background(), o, pods, func(_ context.Context, p *corev1.Pod, patch []byte) (*corev1.Pod, error) {
				verb := "adopt"
				if strings.Contains(string(patch), `"$patch":"delete"`) {
					verb = "release"
				}
				if !strings.Contains(string(patch), `"uid":"`+string(p.UID)+`"`) {
					t.Errorf("patch of %s lacks its UID precondition: %s", p.Name, patch)
				}
				patched = append(patched, verb+" "+p.Name)
				if p.Name == "orphan-conflict" {
					return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, p.Name, errors.New("changed"))
				}
				q := p.DeepCopy()
				q.OwnerReferences = []metav1.OwnerReference{o.Ref}
				return q, nil
			})
			if (err == nil) != (tc.wantErr == "") || (err != nil && err.Error() != tc.wantErr) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.wantOwned, ",") {
				t.Errorf("owned %v, want %v", names, tc.wantOwned)
			}
			if strings.Join(patched, ",") != strings.Join(tc.wantPatch, ",") {
				t.Errorf("patches %v, want %v", patched, tc.wantPatch)
			}
		})
	}
}
