package apiserver

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"

	"github.com/marina-orchestrator/marina/internal/api"
)

// notFound answers paths no API group serves (an unknown group, say) with
// a 404 Status naming the path, like every other API error, instead of the
// generic server's index of paths.
func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		err := apierrors.NewNotFound(schema.GroupResource{}, "")
		err.ErrStatus.Message = fmt.Sprintf("the server could not find the requested resource: no API serves %s", req.URL.Path)
		err.ErrStatus.Details = nil
		responsewriters.ErrorNegotiated(err, api.Codecs, schema.GroupVersion{Version: "v1"}, w, req)
	})
}
