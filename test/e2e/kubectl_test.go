package e2e

// Acceptance test 2: kubectl as a user would, through `marina kubectl`.
// Every check runs the built-in kubectl against a real server and, where the
// output alone would not prove it, reads the result back with client-go.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// kubectlExamplesRoot holds the example manifests, relative to this
// package's directory (where `go test` runs): copies of the project's
// shared examples, kept in the repository so a clean clone can test them.
const kubectlExamplesRoot = "testdata/examples"

// sharedExamplesRoot is where the project's shared examples live beside
// the repository, when they do.
const sharedExamplesRoot = "../../../shared/examples"

// TestExampleManifestsMatchShared keeps the copies in testdata identical to
// the shared examples whenever those are present.
func TestExampleManifestsMatchShared(t *testing.T) {
	for _, dir := range []string{"book", "webapp"} {
		entries, err := os.ReadDir(filepath.Join(sharedExamplesRoot, dir))
		if err != nil {
			t.Logf("no shared examples beside the repository (%v): nothing to compare", err)
			return
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".yaml") {
				continue
			}
			shared, err := os.ReadFile(filepath.Join(sharedExamplesRoot, dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			ours, err := os.ReadFile(filepath.Join(kubectlExamplesRoot, dir, e.Name()))
			if err != nil || !bytes.Equal(shared, ours) {
				t.Errorf("%s/%s differs from the shared example (err %v): copy it into %s", dir, e.Name(), err, kubectlExamplesRoot)
			}
		}
	}
}

// The objects each example directory creates, as kubectl names them.
var (
	bookObjects = []string{
		"replicationcontroller/hpe-mysql",
		"service/hpe-mysql",
		"replicationcontroller/hpe-myweb",
		"service/hpe-myweb",
		"job.batch/pi",
	}
	webappObjects = []string{
		"configmap/mongo-config",
		"secret/mongo-secret",
		"deployment.apps/mongo-deployment",
		"service/mongo-service",
		"deployment.apps/webapp-deployment",
		"service/webapp-service",
	}
)

// TestKubectlApplyAndGet loads the book and webapp examples with `create -f`
// and `apply -f`, then reads them back the ways a user does: tables with
// their columns, -o yaml/json/jsonpath, and a watch.
func TestKubectlApplyAndGet(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	book, webapp := kubectlExampleDir(t, "book"), kubectlExampleDir(t, "webapp")

	steps := []struct {
		name string
		args []string
		// verb every stdout line must end with, one line per object.
		verb    string
		objects []string
	}{
		{"create -f book", []string{"create", "-f", book}, "created", bookObjects},
		{"apply -f webapp", []string{"apply", "-f", webapp}, "created", webappObjects},
		{"apply -f webapp again is unchanged", []string{"apply", "-f", webapp}, "unchanged", webappObjects},
		// Objects made by create have no last-applied annotation: the first
		// apply adds it (kubectl warns), the second finds nothing to do.
		{"apply -f book after create", []string{"apply", "-f", book}, "configured", bookObjects},
		{"apply -f book again is unchanged", []string{"apply", "-f", book}, "unchanged", bookObjects},
	}
	for _, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			out := kubectlOK(t, s, step.args...)
			kubectlWantObjectLines(t, out, step.verb, step.objects)
		})
		if !ok {
			t.FailNow()
		}
	}

	t.Run("create -f twice fails with AlreadyExists", func(t *testing.T) {
		out, errOut, err := s.Kubectl("create", "-f", book)
		if err == nil {
			t.Fatalf("second kubectl create -f %s succeeded, want AlreadyExists errors\nstdout:\n%s", book, out)
		}
		for _, name := range []string{`replicationcontrollers "hpe-mysql" already exists`, `jobs.batch "pi" already exists`} {
			if !strings.Contains(errOut, name) {
				t.Errorf("stderr does not contain %q\nstderr:\n%s", name, errOut)
			}
		}
	})

	t.Run("stored as written", func(t *testing.T) {
		rc, err := s.Client.CoreV1().ReplicationControllers("default").Get(ctx, "hpe-myweb", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get rc hpe-myweb: %v", err)
		}
		if rc.Spec.Replicas == nil || *rc.Spec.Replicas != 5 {
			t.Errorf("rc hpe-myweb spec.replicas = %v, want 5", rc.Spec.Replicas)
		}
		if _, ok := rc.Annotations[corev1.LastAppliedConfigAnnotation]; !ok {
			t.Errorf("rc hpe-myweb has no %s annotation after kubectl apply", corev1.LastAppliedConfigAnnotation)
		}
		sec, err := s.Client.CoreV1().Secrets("default").Get(ctx, "mongo-secret", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get secret mongo-secret: %v", err)
		}
		if got := string(sec.Data["mongo-user"]); got != "mongouser" {
			t.Errorf("secret mongo-secret data[mongo-user] = %q, want %q", got, "mongouser")
		}
	})

	// Objects the examples lack: a pod, a replica set and a node.
	kubectlOK(t, s, "create", "-f", kubectlTestdata("pod.yaml"), "-f", kubectlTestdata("replicaset.yaml"))
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   "e2e-node-1",
		Labels: map[string]string{"node-role.kubernetes.io/worker": ""},
	}}
	if _, err := s.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node: %v", err)
	}

	t.Run("get columns", func(t *testing.T) {
		cases := []struct {
			name   string
			args   []string
			header []string
			// rowKey selects one data row by its NAME cell; want holds
			// cells it must show exactly.
			rowKey string
			want   map[string]string
		}{
			{
				name:   "pods",
				args:   []string{"get", "pods"},
				header: []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"},
				rowKey: "lonely",
				want:   map[string]string{"READY": "0/1", "STATUS": "Pending", "RESTARTS": "0"},
			},
			{
				name:   "pods -o wide",
				args:   []string{"get", "pods", "-o", "wide"},
				header: []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"},
				rowKey: "lonely",
				want:   map[string]string{"STATUS": "Pending", "IP": "<none>", "NODE": "<none>"},
			},
			{
				name:   "replicationcontrollers",
				args:   []string{"get", "rc"},
				header: []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
				rowKey: "hpe-myweb",
				want:   map[string]string{"DESIRED": "5"},
			},
			{
				name:   "replicationcontroller hpe-mysql",
				args:   []string{"get", "replicationcontrollers", "hpe-mysql"},
				header: []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
				rowKey: "hpe-mysql",
				want:   map[string]string{"DESIRED": "3"},
			},
			{
				name:   "replicasets",
				args:   []string{"get", "rs"},
				header: []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
				rowKey: "frontend",
				want:   map[string]string{"DESIRED": "3"},
			},
			{
				name:   "deployments",
				args:   []string{"get", "deployments"},
				header: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
				rowKey: "webapp-deployment",
				want:   map[string]string{"READY": "0/1"},
			},
			{
				name:   "services NodePort",
				args:   []string{"get", "svc"},
				header: []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
				rowKey: "hpe-myweb",
				want:   map[string]string{"TYPE": "NodePort", "EXTERNAL-IP": "<none>", "PORT(S)": "8080:30001/TCP"},
			},
			{
				name:   "services ClusterIP",
				args:   []string{"get", "services"},
				header: []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
				rowKey: "hpe-mysql",
				want:   map[string]string{"TYPE": "ClusterIP", "EXTERNAL-IP": "<none>", "PORT(S)": "3306/TCP"},
			},
			{
				name:   "jobs",
				args:   []string{"get", "jobs"},
				header: []string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"},
				rowKey: "pi",
				want:   map[string]string{"COMPLETIONS": "0/1"},
			},
			{
				name:   "nodes",
				args:   []string{"get", "nodes"},
				header: []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"},
				rowKey: "e2e-node-1",
				// No Ready condition: kubectl shows Unknown, as for a node
				// whose kubelet never reported.
				want: map[string]string{"STATUS": "Unknown", "ROLES": "worker"},
			},
			{
				name:   "configmaps",
				args:   []string{"get", "configmaps"},
				header: []string{"NAME", "DATA", "AGE"},
				rowKey: "mongo-config",
				want:   map[string]string{"DATA": "1"},
			},
			{
				name:   "secrets",
				args:   []string{"get", "secrets"},
				header: []string{"NAME", "TYPE", "DATA", "AGE"},
				rowKey: "mongo-secret",
				want:   map[string]string{"TYPE": "Opaque", "DATA": "2"},
			},
			{
				name:   "namespaces",
				args:   []string{"get", "namespaces"},
				header: []string{"NAME", "STATUS", "AGE"},
				rowKey: "default",
				want:   map[string]string{"STATUS": "Active"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				out := kubectlOK(t, s, tc.args...)
				tbl := parseKubectlTable(t, out)
				if !slices.Equal(tbl.header, tc.header) {
					t.Errorf("kubectl %s header = %q, want %q\nstdout:\n%s", strings.Join(tc.args, " "), tbl.header, tc.header, out)
				}
				row := tbl.row("NAME", tc.rowKey)
				if row == nil {
					t.Fatalf("kubectl %s has no row for %s\nstdout:\n%s", strings.Join(tc.args, " "), tc.rowKey, out)
				}
				for col, want := range tc.want {
					if got := row[col]; got != want {
						t.Errorf("kubectl %s: %s %s = %q, want %q\nstdout:\n%s", strings.Join(tc.args, " "), tc.rowKey, col, got, want, out)
					}
				}
			})
		}
	})

	t.Run("-o yaml", func(t *testing.T) {
		out := kubectlOK(t, s, "get", "service", "hpe-myweb", "-o", "yaml")
		var svc corev1.Service
		if err := yaml.Unmarshal([]byte(out), &svc); err != nil {
			t.Fatalf("parse kubectl -o yaml: %v\nstdout:\n%s", err, out)
		}
		if svc.Kind != "Service" || svc.APIVersion != "v1" || svc.Name != "hpe-myweb" || svc.Namespace != "default" {
			t.Errorf("-o yaml identifies %s %s %s/%s, want v1 Service default/hpe-myweb\nstdout:\n%s", svc.APIVersion, svc.Kind, svc.Namespace, svc.Name, out)
		}
		if svc.Spec.Type != corev1.ServiceTypeNodePort || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].NodePort != 30001 || svc.Spec.Ports[0].Port != 8080 {
			t.Errorf("-o yaml spec = %+v, want NodePort 8080 -> 30001\nstdout:\n%s", svc.Spec, out)
		}
		if svc.ResourceVersion == "" || svc.UID == "" || svc.CreationTimestamp.IsZero() {
			t.Errorf("-o yaml lacks resourceVersion, uid or creationTimestamp\nstdout:\n%s", out)
		}
	})

	t.Run("-o json", func(t *testing.T) {
		out := kubectlOK(t, s, "get", "rc", "hpe-myweb", "-o", "json")
		var rc corev1.ReplicationController
		if err := json.Unmarshal([]byte(out), &rc); err != nil {
			t.Fatalf("parse kubectl -o json: %v\nstdout:\n%s", err, out)
		}
		if rc.Kind != "ReplicationController" || rc.Name != "hpe-myweb" {
			t.Errorf("-o json is %s %s, want ReplicationController hpe-myweb\nstdout:\n%s", rc.Kind, rc.Name, out)
		}
		if rc.Spec.Replicas == nil || *rc.Spec.Replicas != 5 || rc.Spec.Selector["app"] != "hpe-myweb" {
			t.Errorf("-o json spec replicas %v selector %v, want 5 and app=hpe-myweb\nstdout:\n%s", rc.Spec.Replicas, rc.Spec.Selector, out)
		}
		if rc.Spec.Template == nil || len(rc.Spec.Template.Spec.Containers) != 1 || rc.Spec.Template.Spec.Containers[0].Image != "kubeguide/tomcat-app:v1" {
			t.Errorf("-o json template = %+v, want one container kubeguide/tomcat-app:v1\nstdout:\n%s", rc.Spec.Template, out)
		}

		out = kubectlOK(t, s, "get", "services", "-o", "json")
		var list corev1.ServiceList
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("parse kubectl get services -o json: %v\nstdout:\n%s", err, out)
		}
		var names []string
		for _, item := range list.Items {
			names = append(names, item.Name)
		}
		for _, want := range []string{"hpe-mysql", "hpe-myweb", "mongo-service", "webapp-service"} {
			if !slices.Contains(names, want) {
				t.Errorf("get services -o json items %q lack %s", names, want)
			}
		}
	})

	t.Run("-o jsonpath", func(t *testing.T) {
		cases := []struct {
			name string
			args []string
			want string
		}{
			{"rc replicas", []string{"get", "rc", "hpe-myweb", "-o", "jsonpath={.spec.replicas}"}, "5"},
			{"service node port", []string{"get", "svc", "hpe-myweb", "-o", "jsonpath={.spec.ports[0].nodePort}"}, "30001"},
			{"deployment image", []string{"get", "deployment", "mongo-deployment", "-o", "jsonpath={.spec.template.spec.containers[0].image}"}, "mongo:5.0"},
			{"configmap names", []string{"get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}"}, "mongo-config"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if got := kubectlOK(t, s, tc.args...); got != tc.want {
					t.Errorf("kubectl %s = %q, want %q", strings.Join(tc.args, " "), got, tc.want)
				}
			})
		}
	})

	t.Run("-w sees a new configmap", func(t *testing.T) {
		w := startKubectlWatch(t, s, "get", "configmaps", "-w")
		// The initial list first: then the watch is open and the new
		// configmap can only arrive as an event.
		eventually(t, 30*time.Second, func() error { return w.hasRow("mongo-config") })
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "watched-config"},
			Data:       map[string]string{"k": "v"},
		}
		if _, err := s.Client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create configmap: %v", err)
		}
		eventually(t, 30*time.Second, func() error { return w.hasRow("watched-config") })
		w.stop(t)
	})
}

// TestKubectlModify changes live objects with the imperative commands:
// scale, label, annotate, patch of each type and edit, and checks each
// change with client-go.
func TestKubectlModify(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	kubectlOK(t, s, "apply", "-f", kubectlExampleDir(t, "book"), "-f", kubectlExampleDir(t, "webapp"))

	editor := filepath.Join(t.TempDir(), "editor.sh")
	// kubectl runs $KUBE_EDITOR with the path of a file holding the object's
	// YAML and sends whatever the editor leaves there.
	script := "#!/bin/sh\nset -e\ngrep -q 'image: mysql$' \"$1\"\nsed -i 's/image: mysql$/image: mysql:8.0/' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	core, apps := s.Client.CoreV1(), s.Client.AppsV1()
	getDeployment := func(name string) (*appsv1.Deployment, error) {
		return apps.Deployments("default").Get(ctx, name, metav1.GetOptions{})
	}
	cases := []struct {
		name    string
		env     []string
		args    []string
		wantOut string
		check   func() error
	}{
		{
			name:    "scale rc",
			args:    []string{"scale", "rc", "hpe-myweb", "--replicas=1"},
			wantOut: "replicationcontroller/hpe-myweb scaled",
			check: func() error {
				rc, err := core.ReplicationControllers("default").Get(ctx, "hpe-myweb", metav1.GetOptions{})
				if err != nil {
					return err
				}
				return kubectlWantInt32("rc hpe-myweb spec.replicas", rc.Spec.Replicas, 1)
			},
		},
		{
			name:    "scale deployment",
			args:    []string{"scale", "deployment", "webapp-deployment", "--replicas=3"},
			wantOut: "deployment.apps/webapp-deployment scaled",
			check: func() error {
				d, err := getDeployment("webapp-deployment")
				if err != nil {
					return err
				}
				return kubectlWantInt32("deployment webapp-deployment spec.replicas", d.Spec.Replicas, 3)
			},
		},
		{
			name:    "label adds",
			args:    []string{"label", "service", "webapp-service", "exposure=public"},
			wantOut: "service/webapp-service labeled",
			check: func() error {
				svc, err := core.Services("default").Get(ctx, "webapp-service", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if svc.Labels["exposure"] != "public" {
					return fmt.Errorf("service webapp-service labels = %v, want exposure=public", svc.Labels)
				}
				return nil
			},
		},
		{
			name:    "label removes",
			args:    []string{"label", "deployment", "mongo-deployment", "app-"},
			wantOut: "deployment.apps/mongo-deployment unlabeled",
			check: func() error {
				d, err := getDeployment("mongo-deployment")
				if err != nil {
					return err
				}
				if _, ok := d.Labels["app"]; ok {
					return fmt.Errorf("deployment mongo-deployment labels = %v, want no app label", d.Labels)
				}
				return nil
			},
		},
		{
			name:    "annotate",
			args:    []string{"annotate", "secret", "mongo-secret", "owner=team-db"},
			wantOut: "secret/mongo-secret annotated",
			check: func() error {
				sec, err := core.Secrets("default").Get(ctx, "mongo-secret", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if sec.Annotations["owner"] != "team-db" {
					return fmt.Errorf("secret mongo-secret annotations = %v, want owner=team-db", sec.Annotations)
				}
				return nil
			},
		},
		{
			// Strategic merge matches containers by name: the image
			// changes and the container's env stays.
			name:    "patch strategic",
			args:    []string{"patch", "deployment", "webapp-deployment", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"webapp","image":"example/webapp:v2"}]}}}}`},
			wantOut: "deployment.apps/webapp-deployment patched",
			check: func() error {
				d, err := getDeployment("webapp-deployment")
				if err != nil {
					return err
				}
				cs := d.Spec.Template.Spec.Containers
				if len(cs) != 1 || cs[0].Image != "example/webapp:v2" || len(cs[0].Env) != 3 {
					return fmt.Errorf("containers = %+v, want one with image example/webapp:v2 and its 3 env vars kept", cs)
				}
				return nil
			},
		},
		{
			// A JSON merge patch replaces lists whole and merges maps.
			name:    "patch --type=merge",
			args:    []string{"patch", "deployment", "mongo-deployment", "--type=merge", "-p", `{"metadata":{"labels":{"stage":"test"}},"spec":{"template":{"spec":{"containers":[{"name":"mongodb","image":"mongo:6.0"}]}}}}`},
			wantOut: "deployment.apps/mongo-deployment patched",
			check: func() error {
				d, err := getDeployment("mongo-deployment")
				if err != nil {
					return err
				}
				if d.Labels["stage"] != "test" {
					return fmt.Errorf("labels = %v, want stage=test", d.Labels)
				}
				cs := d.Spec.Template.Spec.Containers
				if len(cs) != 1 || cs[0].Image != "mongo:6.0" || len(cs[0].Env) != 0 || len(cs[0].Ports) != 0 {
					return fmt.Errorf("containers = %+v, want the list replaced by one mongo:6.0 container without env or ports", cs)
				}
				return nil
			},
		},
		{
			name:    "patch --type=json",
			args:    []string{"patch", "configmap", "mongo-config", "--type=json", "-p", `[{"op":"add","path":"/data/mongo-port","value":"27017"},{"op":"remove","path":"/data/mongo-url"}]`},
			wantOut: "configmap/mongo-config patched",
			check: func() error {
				cm, err := core.ConfigMaps("default").Get(ctx, "mongo-config", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if len(cm.Data) != 1 || cm.Data["mongo-port"] != "27017" {
					return fmt.Errorf("configmap mongo-config data = %v, want only mongo-port=27017", cm.Data)
				}
				return nil
			},
		},
		{
			name:    "edit with KUBE_EDITOR",
			env:     []string{"KUBE_EDITOR=" + editor, "EDITOR=" + editor},
			args:    []string{"edit", "rc", "hpe-mysql"},
			wantOut: "replicationcontroller/hpe-mysql edited",
			check: func() error {
				rc, err := core.ReplicationControllers("default").Get(ctx, "hpe-mysql", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if img := rc.Spec.Template.Spec.Containers[0].Image; img != "mysql:8.0" {
					return fmt.Errorf("rc hpe-mysql image = %q, want mysql:8.0", img)
				}
				return nil
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := s.KubectlEnv(tc.env, tc.args...)
			if err != nil {
				t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), err, out, errOut)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("kubectl %s stdout lacks %q\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), tc.wantOut, out, errOut)
			}
			if err := tc.check(); err != nil {
				t.Errorf("after kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), err, out, errOut)
			}
		})
	}
}

// TestKubectlNamespacesAndDelete checks that namespaces separate objects of
// the same name, and that `delete -f` and `delete namespace` remove what
// they name.
func TestKubectlNamespacesAndDelete(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	webapp := kubectlExampleDir(t, "webapp")
	mongoFiles := []string{
		"-f", filepath.Join(webapp, "mongo-config.yaml"),
		"-f", filepath.Join(webapp, "mongo-secret.yaml"),
		"-f", filepath.Join(webapp, "mongo.yaml"),
	}
	core, apps := s.Client.CoreV1(), s.Client.AppsV1()
	// Each getter reads one object of the mongo manifests in a namespace.
	type getter struct {
		what string
		get  func(ns string) (metav1.Object, error)
	}
	mongoObjects := []getter{
		{"configmap mongo-config", func(ns string) (metav1.Object, error) {
			return core.ConfigMaps(ns).Get(ctx, "mongo-config", metav1.GetOptions{})
		}},
		{"secret mongo-secret", func(ns string) (metav1.Object, error) {
			return core.Secrets(ns).Get(ctx, "mongo-secret", metav1.GetOptions{})
		}},
		{"deployment mongo-deployment", func(ns string) (metav1.Object, error) {
			return apps.Deployments(ns).Get(ctx, "mongo-deployment", metav1.GetOptions{})
		}},
		{"service mongo-service", func(ns string) (metav1.Object, error) {
			return core.Services(ns).Get(ctx, "mongo-service", metav1.GetOptions{})
		}},
	}
	goneIn := func(ns string, objs ...getter) func() error {
		return func() error {
			for _, o := range objs {
				_, err := o.get(ns)
				if !apierrors.IsNotFound(err) {
					return fmt.Errorf("%s in %s: got err %v, want NotFound", o.what, ns, err)
				}
			}
			return nil
		}
	}

	if !t.Run("create namespace dev", func(t *testing.T) {
		out := kubectlOK(t, s, "create", "namespace", "dev")
		kubectlWantObjectLines(t, out, "created", []string{"namespace/dev"})
		out = kubectlOK(t, s, "get", "namespace", "dev")
		if row := parseKubectlTable(t, out).row("NAME", "dev"); row == nil || row["STATUS"] != "Active" {
			t.Errorf("kubectl get namespace dev: want STATUS Active\nstdout:\n%s", out)
		}
	}) {
		t.FailNow()
	}

	t.Run("same names in default and dev coexist", func(t *testing.T) {
		kubectlOK(t, s, append([]string{"apply"}, mongoFiles...)...)
		kubectlOK(t, s, append([]string{"apply", "-n", "dev"}, mongoFiles...)...)
		for _, o := range mongoObjects {
			def, err := o.get("default")
			if err != nil {
				t.Errorf("%s in default: %v", o.what, err)
				continue
			}
			dev, err := o.get("dev")
			if err != nil {
				t.Errorf("%s in dev: %v", o.what, err)
				continue
			}
			if def.GetUID() == dev.GetUID() {
				t.Errorf("%s has the same uid %s in default and dev", o.what, def.GetUID())
			}
		}
		out := kubectlOK(t, s, "get", "configmaps", "--all-namespaces")
		tbl := parseKubectlTable(t, out)
		for _, ns := range []string{"default", "dev"} {
			found := false
			for _, row := range tbl.rows {
				found = found || row["NAMESPACE"] == ns && row["NAME"] == "mongo-config"
			}
			if !found {
				t.Errorf("kubectl get configmaps --all-namespaces has no mongo-config in %s\nstdout:\n%s", ns, out)
			}
		}
	})

	t.Run("delete -f removes the manifest's objects", func(t *testing.T) {
		manifest := filepath.Join(webapp, "mongo.yaml")
		out := kubectlOK(t, s, "delete", "-f", manifest)
		for _, want := range []string{`deployment.apps "mongo-deployment" deleted`, `service "mongo-service" deleted`} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl delete -f mongo.yaml stdout lacks %q\nstdout:\n%s", want, out)
			}
		}
		eventually(t, 30*time.Second, goneIn("default", mongoObjects[2:]...))
		for _, o := range mongoObjects {
			if _, err := o.get("dev"); err != nil {
				t.Errorf("%s in dev after deleting the default one: %v", o.what, err)
			}
		}
		if _, err := core.ConfigMaps("default").Get(ctx, "mongo-config", metav1.GetOptions{}); err != nil {
			t.Errorf("configmap default/mongo-config, not in mongo.yaml, is gone: %v", err)
		}
	})

	t.Run("delete namespace dev removes it and its objects", func(t *testing.T) {
		out := kubectlOK(t, s, "delete", "namespace", "dev")
		if !strings.Contains(out, `namespace "dev" deleted`) {
			t.Errorf("kubectl delete namespace dev stdout lacks the deletion\nstdout:\n%s", out)
		}
		eventually(t, 60*time.Second, func() error {
			_, err := core.Namespaces().Get(ctx, "dev", metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("namespace dev: got err %v, want NotFound", err)
			}
			return nil
		})
		eventually(t, 30*time.Second, goneIn("dev", mongoObjects...))
		if _, err := core.ConfigMaps("default").Get(ctx, "mongo-config", metav1.GetOptions{}); err != nil {
			t.Errorf("configmap default/mongo-config is gone with namespace dev: %v", err)
		}
		_, errOut, err := s.Kubectl("get", "namespace", "dev")
		if err == nil || !strings.Contains(errOut, `namespaces "dev" not found`) {
			t.Errorf("kubectl get namespace dev after deletion: err %v, want NotFound\nstderr:\n%s", err, errOut)
		}
	})
}

// TestKubectlSchema checks what kubectl learns from discovery and OpenAPI:
// explain, api-resources, and the rejection of unknown fields.
func TestKubectlSchema(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()

	t.Run("explain", func(t *testing.T) {
		cases := []struct {
			field string
			want  []string
		}{
			{"pods.spec.containers", []string{"KIND:       Pod", "containers", "<[]Container>", "image\t<string>"}},
			{"deployments.spec.replicas", []string{"GROUP:      apps", "KIND:       Deployment", "replicas", "<integer>"}},
			{"services.spec.ports.nodePort", []string{"nodePort", "<integer>"}},
		}
		for _, tc := range cases {
			t.Run(tc.field, func(t *testing.T) {
				out := kubectlOK(t, s, "explain", tc.field)
				for _, want := range tc.want {
					if !strings.Contains(out, want) {
						t.Errorf("kubectl explain %s lacks %q\nstdout:\n%s", tc.field, want, out)
					}
				}
			})
		}
	})

	t.Run("api-resources", func(t *testing.T) {
		out := kubectlOK(t, s, "api-resources")
		tbl := parseKubectlTable(t, out)
		wantHeader := []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}
		if !slices.Equal(tbl.header, wantHeader) {
			t.Errorf("api-resources header = %q, want %q\nstdout:\n%s", tbl.header, wantHeader, out)
		}
		want := []map[string]string{
			{"NAME": "pods", "SHORTNAMES": "po", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Pod"},
			{"NAME": "services", "SHORTNAMES": "svc", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Service"},
			{"NAME": "replicationcontrollers", "SHORTNAMES": "rc", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "ReplicationController"},
			{"NAME": "configmaps", "SHORTNAMES": "cm", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "ConfigMap"},
			{"NAME": "namespaces", "SHORTNAMES": "ns", "APIVERSION": "v1", "NAMESPACED": "false", "KIND": "Namespace"},
			{"NAME": "nodes", "SHORTNAMES": "no", "APIVERSION": "v1", "NAMESPACED": "false", "KIND": "Node"},
			{"NAME": "deployments", "SHORTNAMES": "deploy", "APIVERSION": "apps/v1", "NAMESPACED": "true", "KIND": "Deployment"},
			{"NAME": "replicasets", "SHORTNAMES": "rs", "APIVERSION": "apps/v1", "NAMESPACED": "true", "KIND": "ReplicaSet"},
			{"NAME": "jobs", "SHORTNAMES": "", "APIVERSION": "batch/v1", "NAMESPACED": "true", "KIND": "Job"},
			{"NAME": "cronjobs", "SHORTNAMES": "cj", "APIVERSION": "batch/v1", "NAMESPACED": "true", "KIND": "CronJob"},
			{"NAME": "ingresses", "SHORTNAMES": "ing", "APIVERSION": "networking.k8s.io/v1", "NAMESPACED": "true", "KIND": "Ingress"},
		}
		for _, w := range want {
			var got map[string]string
			for _, row := range tbl.rows {
				if row["NAME"] == w["NAME"] && row["APIVERSION"] == w["APIVERSION"] {
					got = row
				}
			}
			if !kubectlMapsEqual(got, w) {
				t.Errorf("api-resources row for %s %s = %v, want %v\nstdout:\n%s", w["APIVERSION"], w["NAME"], got, w, out)
			}
		}

		out = kubectlOK(t, s, "api-resources", "--api-group=apps")
		for _, row := range parseKubectlTable(t, out).rows {
			if row["APIVERSION"] != "apps/v1" {
				t.Errorf("api-resources --api-group=apps lists %s %s\nstdout:\n%s", row["APIVERSION"], row["NAME"], out)
			}
		}

		out = kubectlOK(t, s, "api-versions")
		versions := strings.Fields(out)
		for _, want := range []string{"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1"} {
			if !slices.Contains(versions, want) {
				t.Errorf("api-versions lacks %s\nstdout:\n%s", want, out)
			}
		}
	})

	t.Run("unknown fields are rejected", func(t *testing.T) {
		deployment, configMap := kubectlTestdata("unknown-field-deployment.yaml"), kubectlTestdata("unknown-field-configmap.yaml")
		deploymentStored := func() error {
			_, err := s.Client.AppsV1().Deployments("default").Get(ctx, "typo-deployment", metav1.GetOptions{})
			return err
		}
		configMapStored := func() error {
			_, err := s.Client.CoreV1().ConfigMaps("default").Get(ctx, "typo-config", metav1.GetOptions{})
			return err
		}
		cases := []struct {
			name   string
			args   []string
			want   []string
			stored func() error
		}{
			{"apply deployment", []string{"apply", "-f", deployment},
				[]string{`unknown field "spec.template.spec.containers[0].imagePullPolicyy"`}, deploymentStored},
			{"create deployment", []string{"create", "-f", deployment},
				[]string{`unknown field "spec.template.spec.containers[0].imagePullPolicyy"`}, deploymentStored},
			{"apply --server-side deployment", []string{"apply", "--server-side", "-f", deployment},
				[]string{`.spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema`}, deploymentStored},
			{"apply configmap", []string{"apply", "-f", configMap},
				[]string{`unknown field "spec"`}, configMapStored},
			{"create configmap", []string{"create", "-f", configMap},
				[]string{`unknown field "spec"`}, configMapStored},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				out, errOut, err := s.Kubectl(tc.args...)
				if err == nil {
					t.Errorf("kubectl %s succeeded, want an unknown-field error\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), out, errOut)
				}
				for _, want := range tc.want {
					if !strings.Contains(errOut, want) {
						t.Errorf("kubectl %s stderr lacks %q\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), want, out, errOut)
					}
				}
				if err := tc.stored(); !apierrors.IsNotFound(err) {
					t.Errorf("after the rejected kubectl %s the object is stored (get err %v, want NotFound)", strings.Join(tc.args, " "), err)
				}
			})
		}
	})
}

// kubectlExampleDir returns the shared example directory name, failing
// the test with the path it looked at when it is missing.
func kubectlExampleDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(kubectlExamplesRoot, name)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		abs, _ := filepath.Abs(dir)
		t.Fatalf("example manifests %q not found at %s (stat: %v)", name, abs, err)
	}
	return dir
}

// kubectlTestdata returns the path of one of this test's own manifests.
func kubectlTestdata(name string) string {
	return filepath.Join("testdata", "kubectl", name)
}

// kubectlOK runs kubectl and fails t, unlike Server.MustKubectl which fails
// the test that started the server, so it is safe inside subtests.
func kubectlOK(t *testing.T, s *Server, args ...string) string {
	t.Helper()
	out, errOut, err := s.Kubectl(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// kubectlWantObjectLines checks that stdout holds exactly one line
// "<object> <verb>" per object, in any order.
func kubectlWantObjectLines(t *testing.T, out, verb string, objects []string) {
	t.Helper()
	var want []string
	for _, o := range objects {
		want = append(want, o+" "+verb)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kubectl printed\n%s\nwant the lines\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func kubectlWantInt32(what string, got *int32, want int32) error {
	if got == nil || *got != want {
		return fmt.Errorf("%s = %v, want %d", what, kubectlInt32String(got), want)
	}
	return nil
}

func kubectlInt32String(p *int32) string {
	if p == nil {
		return "nil"
	}
	return strconv.Itoa(int(*p))
}

func kubectlMapsEqual(a, b map[string]string) bool {
	if a == nil || len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// kubectlTable is kubectl's human-readable output. Rows are cut into cells
// at the columns' start offsets in the header (kubectl aligns every row with
// a tabwriter), so an empty cell reads as "" instead of shifting the rest.
type kubectlTable struct {
	header  []string // the header line split on whitespace, as a user reads it
	columns []string // column names; "NOMINATED NODE" is one column
	rows    []map[string]string
}

func (tb kubectlTable) row(column, value string) map[string]string {
	for _, r := range tb.rows {
		if r[column] == value {
			return r
		}
	}
	return nil
}

func parseKubectlTable(t *testing.T, out string) kubectlTable {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
		t.Fatalf("kubectl printed no table\nstdout:\n%s", out)
	}
	head := lines[0]
	tbl := kubectlTable{header: strings.Fields(head)}
	// A column starts at the first character or after a run of two or
	// more spaces; single spaces belong to a name.
	var starts []int
	for i := 0; i < len(head); i++ {
		if head[i] != ' ' && (i == 0 || (i >= 2 && head[i-1] == ' ' && head[i-2] == ' ')) {
			starts = append(starts, i)
		}
	}
	cell := func(line string, i int) string {
		from, to := starts[i], len(line)
		if i+1 < len(starts) {
			to = min(starts[i+1], len(line))
		}
		if from >= len(line) {
			return ""
		}
		return strings.TrimSpace(line[from:to])
	}
	for i := range starts {
		tbl.columns = append(tbl.columns, cell(head, i))
	}
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		row := map[string]string{}
		for i, name := range tbl.columns {
			row[name] = cell(line, i)
		}
		tbl.rows = append(tbl.rows, row)
	}
	return tbl
}

// kubectlWatch is a `kubectl get -w` running in the background.
type kubectlWatch struct {
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	done           chan struct{} // closed when the process has exited
	err            error         // from Wait, once done is closed
	stdout, stderr kubectlBuffer
}

func startKubectlWatch(t *testing.T, s *Server, args ...string) *kubectlWatch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	w := &kubectlWatch{cancel: cancel, done: make(chan struct{})}
	w.cmd = exec.CommandContext(ctx, marinaBin, append([]string{"kubectl"}, args...)...)
	w.cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig)
	w.cmd.Stdout, w.cmd.Stderr = &w.stdout, &w.stderr
	w.cmd.WaitDelay = 5 * time.Second
	if err := w.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start kubectl %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		w.err = w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() { w.cancel(); <-w.done })
	return w
}

// hasRow reports whether the watcher printed a line for the named object.
func (w *kubectlWatch) hasRow(name string) error {
	out := w.stdout.String()
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return nil
		}
	}
	select {
	case <-w.done:
		return fmt.Errorf("kubectl watch exited (%v) before printing %s\nstdout:\n%s\nstderr:\n%s", w.err, name, out, w.stderr.String())
	default:
		return fmt.Errorf("kubectl watch has not printed %s\nstdout:\n%s\nstderr:\n%s", name, out, w.stderr.String())
	}
}

// stop ends the watch, which must still be running: a watch ends only when
// the user interrupts it.
func (w *kubectlWatch) stop(t *testing.T) {
	t.Helper()
	select {
	case <-w.done:
		t.Errorf("kubectl watch exited on its own: %v\nstdout:\n%s\nstderr:\n%s", w.err, w.stdout.String(), w.stderr.String())
	default:
	}
	w.cancel()
	<-w.done
}

// kubectlBuffer is a bytes.Buffer safe for a writing process and a reading
// test.
type kubectlBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (k *kubectlBuffer) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.b.Write(p)
}

func (k *kubectlBuffer) String() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.b.String()
}
