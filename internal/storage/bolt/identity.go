package bolt

import (
	"context"

	"k8s.io/apiserver/pkg/storage/value"
)

// identity stores encoded objects as they are; resources that are not
// encrypted use it.
type identity struct{}

func (identity) TransformFromStorage(_ context.Context, data []byte, _ value.Context) ([]byte, bool, error) {
	return data, false, nil
}

func (identity) TransformToStorage(_ context.Context, data []byte, _ value.Context) ([]byte, error) {
	return data, nil
}
