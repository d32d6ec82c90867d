package apiserver

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/registry"
)

// installGroups builds the storage of every resource and installs the API
// groups that serve them, in api.Groups order.
func installGroups(s *genericapiserver.GenericAPIServer, opts generic.RESTOptionsGetter, deps registry.Deps) error {
	agents := deps.Agents.(*agentConnector)
	// group → version → path → storage
	storages := map[string]map[string]map[string]rest.Storage{}
	for _, r := range registry.Resources() {
		hub, ok := api.HubOf(r.Group)
		if !ok {
			return fmt.Errorf("resource %s: group %q is not served", r.Resource, r.Group)
		}
		paths, err := registry.NewStorage(r, api.Scheme, hub, opts, deps)
		if err != nil {
			return err
		}
		for _, v := range r.Versions {
			if storages[r.Group] == nil {
				storages[r.Group] = map[string]map[string]rest.Storage{}
			}
			if storages[r.Group][v] == nil {
				storages[r.Group][v] = map[string]rest.Storage{}
			}
			for path, st := range paths {
				storages[r.Group][v][path] = st
			}
		}
	}
	nodes, ok := storages[""]["v1"]["nodes"].(rest.Getter)
	if !ok {
		return fmt.Errorf("no storage for nodes")
	}
	agents.nodes = nodes
	var infos []*genericapiserver.APIGroupInfo
	for _, g := range api.Groups {
		if storages[g.Name] == nil {
			continue // registered for its types only (policy)
		}
		info := genericapiserver.NewDefaultAPIGroupInfo(g.Name, api.Scheme, api.ParameterCodec, api.Codecs)
		info.PrioritizedVersions = nil
		for _, v := range g.Versions {
			info.PrioritizedVersions = append(info.PrioritizedVersions, schema.GroupVersion{Group: g.Name, Version: v})
		}
		info.VersionedResourcesStorageMap = storages[g.Name]
		if g.Name == "" {
			if err := s.InstallLegacyAPIGroup(genericapiserver.DefaultLegacyAPIPrefix, &info); err != nil {
				return fmt.Errorf("install core API: %w", err)
			}
			continue
		}
		infos = append(infos, &info)
	}
	if err := s.InstallAPIGroups(infos...); err != nil {
		return fmt.Errorf("install API groups: %w", err)
	}
	return nil
}
