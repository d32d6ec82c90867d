// Package manifests applies manifest files to the API, as
// `kubectl apply --server-side` does, for `marina up -f`.
package manifests

import (
	"context"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/resource"
)

// FieldManager owns the fields `marina up -f` sets.
const FieldManager = "marina-up"

// Apply server-side-applies every object in paths (files or directories,
// recursively) with the admin credentials of kubeconfig, and writes one
// line per object to out. Objects without a namespace go to "default".
// It stops at the first object the server refuses, naming it.
func Apply(ctx context.Context, kubeconfig string, paths []string, out io.Writer) error {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig
	result := resource.NewBuilder(flags).
		Unstructured().
		ContinueOnError().
		NamespaceParam("default").DefaultNamespace().
		FilenameParam(false, &resource.FilenameOptions{Filenames: paths, Recursive: true}).
		Flatten().
		Do()
	if err := result.Err(); err != nil {
		return fmt.Errorf("read manifests: %w", err)
	}
	force := true
	return result.Visit(func(info *resource.Info, err error) error {
		if err != nil {
			return err
		}
		data, err := runtime.Encode(unstructured.UnstructuredJSONScheme, info.Object)
		if err != nil {
			return fmt.Errorf("%s %s: %w", info.Mapping.GroupVersionKind.Kind, info.Name, err)
		}
		obj, err := resource.NewHelper(info.Client, info.Mapping).
			WithFieldManager(FieldManager).
			Patch(info.Namespace, info.Name, types.ApplyPatchType, data, &metav1.PatchOptions{Force: &force})
		if err != nil {
			return fmt.Errorf("apply %s %s from %s: %w", info.Mapping.GroupVersionKind.Kind, info.Name, info.Source, err)
		}
		_ = info.Refresh(obj, true)
		fmt.Fprintf(out, "%s/%s applied\n", info.Mapping.Resource.Resource, info.Name)
		return nil
	})
}
