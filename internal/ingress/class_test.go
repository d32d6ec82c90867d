package ingress

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

func TestOwnIngresses(t *testing.T) {
	nginx, marina, empty := ptr("nginx"), ptr(ClassName), ptr("")
	tests := []struct {
		name    string
		ingress *networkingv1.Ingress
		classes []*networkingv1.IngressClass
		want    bool
	}{
		{"class marina", withClass(ingress("ns", "i", 0), marina, ""), nil, true},
		{"other class", withClass(ingress("ns", "i", 0), nginx, ""), nil, false},
		{"other class even when marina is default", withClass(ingress("ns", "i", 0), nginx, ""),
			[]*networkingv1.IngressClass{newClass(ClassName, ControllerName, true)}, false},
		{"legacy annotation marina", withClass(ingress("ns", "i", 0), nil, ClassName), nil, true},
		{"legacy annotation other", withClass(ingress("ns", "i", 0), nil, "nginx"), nil, false},
		{"legacy annotation other with marina default", withClass(ingress("ns", "i", 0), nil, "nginx"),
			[]*networkingv1.IngressClass{newClass(ClassName, ControllerName, true)}, false},
		{"classless without classes", withClass(ingress("ns", "i", 0), nil, ""), nil, false},
		{"classless, marina not default", withClass(ingress("ns", "i", 0), nil, ""),
			[]*networkingv1.IngressClass{newClass(ClassName, ControllerName, false)}, false},
		{"classless, marina default", withClass(ingress("ns", "i", 0), nil, ""),
			[]*networkingv1.IngressClass{newClass(ClassName, ControllerName, true)}, true},
		{"empty class name, marina default", withClass(ingress("ns", "i", 0), empty, ""),
			[]*networkingv1.IngressClass{newClass(ClassName, ControllerName, true)}, true},
		{"classless, another controller's class default", withClass(ingress("ns", "i", 0), nil, ""),
			[]*networkingv1.IngressClass{newClass(ClassName, ControllerName, false), newClass("nginx", "k8s.io/ingress-nginx", true)}, false},
		{"classless, class named marina of another controller default", withClass(ingress("ns", "i", 0), nil, ""),
			[]*networkingv1.IngressClass{newClass(ClassName, "example.com/other", true)}, false},
		{"another class of our controller", withClass(ingress("ns", "i", 0), ptr("internal"), ""),
			[]*networkingv1.IngressClass{newClass("internal", ControllerName, false)}, true},
		{"classless, another class of our controller default", withClass(ingress("ns", "i", 0), nil, ""),
			[]*networkingv1.IngressClass{newClass("internal", ControllerName, true)}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := len(ownIngresses([]*networkingv1.Ingress{tc.ingress}, tc.classes)) == 1
			if got != tc.want {
				t.Errorf("ours = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOwnIngressesOrder(t *testing.T) {
	in := []*networkingv1.Ingress{
		ingress("b", "x", 1), ingress("a", "y", 1), ingress("z", "z", 0), ingress("a", "x", 1),
	}
	var got []string
	for _, ing := range ownIngresses(in, nil) {
		got = append(got, ing.Namespace+"/"+ing.Name)
	}
	want := []string{"z/z", "a/x", "a/y", "b/x"}
	if !equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}
