package validation

import (
	"fmt"
	"reflect"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// changedPaths lists the JSON paths (relative to prefix) at which old and new
// differ, so that "may not change" errors can say what actually changed
// instead of dumping both objects. It descends through structs and through
// slices whose length did not change, at most maxDepth levels deep; anything
// deeper, and maps, are reported at the level where they differ.
func changedPaths(oldObj, newObj any, prefix string, maxDepth int) []string {
	var out []string
	diffValue(reflect.ValueOf(oldObj), reflect.ValueOf(newObj), prefix, maxDepth, &out)
	return out
}

func diffValue(a, b reflect.Value, path string, depth int, out *[]string) {
	if apiequality.Semantic.DeepEqual(a.Interface(), b.Interface()) {
		return
	}
	if depth <= 0 {
		*out = append(*out, path)
		return
	}
	switch a.Kind() {
	case reflect.Struct:
		t := a.Type()
		before := len(*out)
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, inline := jsonName(f)
			sub := path
			if !inline {
				sub = joinPath(path, name)
			}
			diffValue(a.Field(i), b.Field(i), sub, depth-1, out)
		}
		if len(*out) == before {
			*out = append(*out, path)
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			*out = append(*out, path)
			return
		}
		for i := 0; i < a.Len(); i++ {
			diffValue(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), depth-1, out)
		}
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			*out = append(*out, path)
			return
		}
		diffValue(a.Elem(), b.Elem(), path, depth, out)
	default:
		*out = append(*out, path)
	}
}

// jsonName returns the field's JSON name and whether it is inlined (embedded
// with an empty JSON name, like Probe's ProbeHandler).
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		if f.Anonymous {
			return "", true
		}
		return f.Name, false
	}
	return name, false
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
