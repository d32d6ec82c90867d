package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
)

// StoreConfig describes one resource's view of the DB.
type StoreConfig struct {
	// Codec encodes objects to their storage version and back.
	Codec runtime.Codec
	// Transformer turns encoded objects into stored bytes (encryption for
	// secrets); nil means identity.
	Transformer value.Transformer
	// Prefix is prepended to every key, e.g. "/registry".
	Prefix string
	// ResourcePrefix is the resource's key prefix below Prefix, e.g. "/pods".
	ResourcePrefix string
	GroupResource  schema.GroupResource
	NewFunc        func() runtime.Object
	NewListFunc    func() runtime.Object
	// Observe, when set, is told how long each operation took.
	Observe func(op string, gr schema.GroupResource, d time.Duration, err error)
}

// store is storage.Interface for one resource over a shared DB.
type store struct {
	db             *DB
	codec          runtime.Codec
	transformer    value.Transformer
	versioner      storage.Versioner
	pathPrefix     string
	resourcePrefix string
	groupResource  schema.GroupResource
	newFunc        func() runtime.Object
	newListFunc    func() runtime.Object
	observe        func(op string, gr schema.GroupResource, d time.Duration, err error)
}

var _ storage.Interface = (*store)(nil)

// NewStore returns the storage.Interface of one resource.
func NewStore(db *DB, cfg StoreConfig) (storage.Interface, error) {
	if cfg.ResourcePrefix == "" || cfg.ResourcePrefix == "/" || !strings.HasPrefix(cfg.ResourcePrefix, "/") {
		return nil, fmt.Errorf("resource prefix %q must start with / and name the resource", cfg.ResourcePrefix)
	}
	pathPrefix := path.Join("/", cfg.Prefix)
	if !strings.HasSuffix(pathPrefix, "/") {
		pathPrefix += "/"
	}
	s := &store{
		db:             db,
		codec:          cfg.Codec,
		transformer:    cfg.Transformer,
		versioner:      storage.APIObjectVersioner{},
		pathPrefix:     pathPrefix,
		resourcePrefix: cfg.ResourcePrefix,
		groupResource:  cfg.GroupResource,
		newFunc:        cfg.NewFunc,
		newListFunc:    cfg.NewListFunc,
		observe:        cfg.Observe,
	}
	if s.transformer == nil {
		s.transformer = identity{}
	}
	if s.observe == nil {
		s.observe = func(string, schema.GroupResource, time.Duration, error) {}
	}
	return s, nil
}

func (s *store) Versioner() storage.Versioner { return s.versioner }

func (s *store) prepareKey(key string, recursive bool) (string, error) {
	key, err := storage.PrepareKey(s.resourcePrefix, key, recursive)
	if err != nil {
		return "", err
	}
	return s.pathPrefix + strings.TrimPrefix(key, "/"), nil
}

// decode reads stored bytes into out and stamps the revision on it.
func (s *store) decode(ctx context.Context, key string, stored []byte, out runtime.Object, rev int64) (data []byte, stale bool, err error) {
	data, stale, err = s.transformer.TransformFromStorage(ctx, stored, value.DefaultContext(key))
	if err != nil {
		return nil, false, storage.NewInternalError(fmt.Errorf("read %s: %w", key, err))
	}
	if _, _, err := s.codec.Decode(data, nil, out); err != nil {
		return nil, false, storage.NewCorruptObjError(key, err)
	}
	if err := s.versioner.UpdateObject(out, uint64(rev)); err != nil {
		return nil, false, fmt.Errorf("set resource version of %s: %w", key, err)
	}
	return data, stale, nil
}

func (s *store) encode(ctx context.Context, key string, obj runtime.Object) (data, stored []byte, err error) {
	data, err = runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, nil, fmt.Errorf("encode %s: %w", key, err)
	}
	stored, err = s.transformer.TransformToStorage(ctx, data, value.DefaultContext(key))
	if err != nil {
		return nil, nil, storage.NewInternalError(fmt.Errorf("write %s: %w", key, err))
	}
	return data, stored, nil
}

func (s *store) validateMinimumResourceVersion(minimum string, actual int64) error {
	if minimum == "" {
		return nil
	}
	rv, err := s.versioner.ParseResourceVersion(minimum)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if rv > uint64(actual) {
		return storage.NewTooLargeResourceVersionError(rv, uint64(actual), 0)
	}
	return nil
}

// Get implements storage.Interface.
func (s *store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) (err error) {
	defer s.time("get", time.Now(), &err)
	key, err = s.prepareKey(key, false)
	if err != nil {
		return err
	}
	kv, rev, err := s.db.Get(key)
	if err != nil {
		return err
	}
	if err := s.validateMinimumResourceVersion(opts.ResourceVersion, rev); err != nil {
		return err
	}
	if kv == nil {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(key, 0)
	}
	_, _, err = s.decode(ctx, key, kv.Value, out, kv.ModRev)
	return err
}

// Create implements storage.Interface.
func (s *store) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) (err error) {
	defer s.time("create", time.Now(), &err)
	key, err = s.prepareKey(key, false)
	if err != nil {
		return err
	}
	if rv, err := s.versioner.ObjectResourceVersion(obj); err == nil && rv != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return fmt.Errorf("prepare %s for storage: %w", key, err)
	}
	data, stored, err := s.encode(ctx, key, obj)
	if err != nil {
		return err
	}
	res, err := s.db.Put(ctx, key, stored, 0, time.Duration(ttl)*time.Second)
	if err != nil {
		return err
	}
	if !res.Succeeded {
		return storage.NewKeyExistsError(key, 0)
	}
	if out != nil {
		if _, _, err := s.codec.Decode(data, nil, out); err != nil {
			return err
		}
		return s.versioner.UpdateObject(out, uint64(res.Revision))
	}
	return nil
}

// objState is an object as read from storage, with what is needed to
// write it back conditionally.
type objState struct {
	obj   runtime.Object
	meta  storage.ResponseMeta
	rev   int64
	data  []byte // encoded, untransformed
	stale bool   // the transformer wants it rewritten (e.g. an old key)
}

func (s *store) newObj(v reflect.Value) runtime.Object {
	if u, ok := v.Addr().Interface().(runtime.Unstructured); ok {
		return u.NewEmptyInstance()
	}
	return reflect.New(v.Type()).Interface().(runtime.Object)
}

func (s *store) stateOf(ctx context.Context, key string, kv *KeyValue, v reflect.Value, ignoreNotFound bool) (*objState, error) {
	st := &objState{obj: s.newObj(v)}
	if kv == nil {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		return st, runtime.SetZeroValue(st.obj)
	}
	st.rev = kv.ModRev
	st.meta.ResourceVersion = uint64(kv.ModRev)
	if !kv.ExpireAt.IsZero() {
		if ttl := int64(time.Until(kv.ExpireAt).Seconds()); ttl > 0 {
			st.meta.TTL = ttl
		} else {
			st.meta.TTL = 1
		}
	}
	var err error
	st.data, st.stale, err = s.decode(ctx, key, kv.Value, st.obj, kv.ModRev)
	return st, err
}

func (s *store) currentState(ctx context.Context, key string, v reflect.Value, ignoreNotFound bool) (*objState, error) {
	kv, _, err := s.db.Get(key)
	if err != nil {
		return nil, err
	}
	return s.stateOf(ctx, key, kv, v, ignoreNotFound)
}

// stateFromObject trusts a cached object (from the watch cache) as the
// current state; writes conditioned on its revision catch staleness.
func (s *store) stateFromObject(obj runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("resource version of cached object: %w", err)
	}
	st := &objState{obj: obj, rev: int64(rv)}
	st.meta.ResourceVersion = rv
	// The stored form has no resourceVersion; clear it to encode, then restore.
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, err
	}
	st.data, err = runtime.Encode(s.codec, obj)
	if uerr := s.versioner.UpdateObject(obj, rv); err == nil {
		err = uerr
	}
	return st, err
}

// Delete implements storage.Interface.
func (s *store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, _ storage.DeleteOptions) (err error) {
	defer s.time("delete", time.Now(), &err)
	key, err = s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("delete output must be a pointer: %w", err)
	}
	var st *objState
	current := false
	if cachedExistingObject != nil {
		st, err = s.stateFromObject(cachedExistingObject)
	} else {
		st, err = s.currentState(ctx, key, v, false)
		current = true
	}
	if err != nil {
		return err
	}
	for {
		check := func() error {
			if preconditions != nil {
				if err := preconditions.Check(key, st.obj); err != nil {
					return err
				}
			}
			return validateDeletion(ctx, st.obj)
		}
		if err := check(); err != nil {
			if current {
				return err
			}
			// The cached object may be stale: decide on the real one.
			cachedRev := st.rev
			var rerr error
			if st, rerr = s.currentState(ctx, key, v, false); rerr != nil {
				return rerr
			}
			current = true
			if st.rev == cachedRev {
				return err
			}
			continue
		}
		res, err := s.db.Delete(ctx, key, st.rev)
		if err != nil {
			return err
		}
		if !res.Succeeded {
			if st, err = s.stateOf(ctx, key, res.Current, v, false); err != nil {
				return err
			}
			current = true
			continue
		}
		// The deleted object, stamped with the revision of its deletion.
		if _, _, err := s.codec.Decode(st.data, nil, out); err != nil {
			return err
		}
		return s.versioner.UpdateObject(out, uint64(res.Revision))
	}
}

// GuaranteedUpdate implements storage.Interface.
func (s *store) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) (err error) {
	defer s.time("update", time.Now(), &err)
	key, err = s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(destination)
	if err != nil {
		return fmt.Errorf("update destination must be a pointer: %w", err)
	}
	var st *objState
	current := false
	if cachedExistingObject != nil {
		st, err = s.stateFromObject(cachedExistingObject)
	} else {
		st, err = s.currentState(ctx, key, v, ignoreNotFound)
		current = true
	}
	if err != nil {
		return err
	}
	refresh := func() error {
		var err error
		st, err = s.currentState(ctx, key, v, ignoreNotFound)
		current = true
		return err
	}
	for {
		if err := preconditions.Check(key, st.obj); err != nil {
			if current {
				return err
			}
			if err := refresh(); err != nil {
				return err
			}
			continue
		}
		ret, ttlPtr, err := tryUpdate(st.obj, st.meta)
		if err != nil {
			if current {
				return err
			}
			cachedRev := st.rev
			if err2 := refresh(); err2 != nil {
				return err2
			}
			if st.rev == cachedRev {
				return err
			}
			continue
		}
		if err := s.versioner.PrepareObjectForStorage(ret); err != nil {
			return fmt.Errorf("prepare %s for storage: %w", key, err)
		}
		data, err := runtime.Encode(s.codec, ret)
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		if !st.stale && bytes.Equal(data, st.data) {
			// Nothing changed. Confirm against the store before skipping the
			// write, since the cached state may be outdated.
			if !current {
				if err := refresh(); err != nil {
					return err
				}
				if !bytes.Equal(data, st.data) {
					continue
				}
			}
			if !st.stale {
				_, _, err := s.codec.Decode(st.data, nil, destination)
				if err != nil {
					return err
				}
				return s.versioner.UpdateObject(destination, uint64(st.rev))
			}
		}
		stored, err := s.transformer.TransformToStorage(ctx, data, value.DefaultContext(key))
		if err != nil {
			return storage.NewInternalError(fmt.Errorf("write %s: %w", key, err))
		}
		var ttl time.Duration
		if ttlPtr != nil {
			ttl = time.Duration(*ttlPtr) * time.Second
		}
		res, err := s.db.Put(ctx, key, stored, st.rev, ttl)
		if err != nil {
			return err
		}
		if !res.Succeeded {
			if st, err = s.stateOf(ctx, key, res.Current, v, ignoreNotFound); err != nil {
				return err
			}
			current = true
			continue
		}
		if _, _, err := s.codec.Decode(data, nil, destination); err != nil {
			return err
		}
		return s.versioner.UpdateObject(destination, uint64(res.Revision))
	}
}

// GetList implements storage.Interface.
func (s *store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) (err error) {
	defer s.time("list", time.Now(), &err)
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil || v.Kind() != reflect.Slice {
		return fmt.Errorf("list items must be a pointer to a slice: %w", err)
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}
	newItem := itemFunc(listObj, v)
	pred := opts.Predicate
	paging := pred.Limit > 0

	lo := ListOptions{Prefix: keyPrefix, From: continueKey, Revision: withRev}
	if !opts.Recursive {
		lo = ListOptions{Prefix: keyPrefix, Revision: withRev}
	}
	if paging && pred.Empty() && opts.Recursive {
		lo.Limit = pred.Limit
	}
	res, err := s.db.List(lo)
	if err != nil {
		return s.listError(err, withRev, continueKey, keyPrefix)
	}
	if withRev == 0 {
		if err := s.validateMinimumResourceVersion(opts.ResourceVersion, res.Revision); err != nil {
			return err
		}
	}
	var lastKey string
	hasMore := res.More
	for _, kv := range res.KVs {
		if !opts.Recursive && kv.Key != keyPrefix {
			continue
		}
		if paging && int64(v.Len()) >= pred.Limit {
			hasMore = true
			break
		}
		obj := newItem()
		if _, _, err := s.decode(ctx, kv.Key, kv.Value, obj, kv.ModRev); err != nil {
			return err
		}
		lastKey = kv.Key
		if ok, err := pred.Matches(obj); err == nil && ok {
			v.Set(reflect.Append(v, reflect.ValueOf(obj).Elem()))
		}
	}
	continueValue, remaining, err := storage.PrepareContinueToken(lastKey, keyPrefix, res.Revision, res.Count, hasMore, opts)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	return s.versioner.UpdateList(listObj, uint64(res.Revision), continueValue, remaining)
}

// Messages as Kubernetes words them: clients match on them.
const (
	msgListExpired  = "The resourceVersion for the provided list is too old."
	msgWatchExpired = "The resourceVersion for the provided watch is too old."
	msgInconsistent = "The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter, or use the continue token in this response " +
		"to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent " +
		"list - objects that were created, modified, or deleted between the time the first chunk was returned " +
		"and now may show up in the list."
)

// listError maps DB read errors to the API's: a read past compaction is 410
// Gone (for a continue token, with a new token that continues at the latest
// revision), a future revision is "too large".
func (s *store) listError(err error, rev int64, continueKey, keyPrefix string) error {
	switch {
	case errors.Is(err, ErrFutureRevision):
		return storage.NewTooLargeResourceVersionError(uint64(rev), uint64(s.db.Revision()), 0)
	case errors.Is(err, ErrCompacted) && continueKey != "":
		token, terr := storage.EncodeContinue(continueKey, keyPrefix, -1)
		if terr != nil {
			return apierrors.NewResourceExpired(msgListExpired)
		}
		status := apierrors.NewResourceExpired(msgInconsistent)
		status.ErrStatus.ListMeta.Continue = token
		return status
	case errors.Is(err, ErrCompacted):
		return apierrors.NewResourceExpired(msgListExpired)
	}
	return err
}

// itemFunc makes empty list items; items of an unstructured list with an
// apiVersion keep it, so they decode as that version.
func itemFunc(listObj runtime.Object, v reflect.Value) func() runtime.Object {
	if ul, ok := listObj.(*unstructured.UnstructuredList); ok {
		if av := ul.GetAPIVersion(); av != "" {
			return func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": av}}
			}
		}
	}
	elem := v.Type().Elem()
	return func() runtime.Object { return reflect.New(elem).Interface().(runtime.Object) }
}

// Stats implements storage.Interface.
func (s *store) Stats(ctx context.Context) (storage.Stats, error) {
	prefix, err := s.prepareKey(s.resourcePrefix, true)
	if err != nil {
		return storage.Stats{}, err
	}
	n, err := s.db.Count(prefix)
	return storage.Stats{ObjectCount: n}, err
}

// ReadinessCheck implements storage.Interface.
func (s *store) ReadinessCheck() error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.db.closed {
		return ErrClosed
	}
	return nil
}

// RequestWatchProgress implements storage.Interface.
func (s *store) RequestWatchProgress(ctx context.Context) error {
	s.db.RequestProgress()
	return nil
}

// GetCurrentResourceVersion implements storage.Interface.
func (s *store) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	_, rev, err := s.db.Get(s.pathPrefix)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		return 0, errors.New("the store has no revision yet")
	}
	return uint64(rev), nil
}

// EnableResourceSizeEstimation implements storage.Interface. Sizes come from
// the file itself, so there is nothing to enable.
func (s *store) EnableResourceSizeEstimation(storage.KeysFunc) error { return nil }

// CompactRevision implements storage.Interface.
func (s *store) CompactRevision() int64 { return s.db.CompactedRevision() }

func (s *store) time(op string, start time.Time, err *error) {
	s.observe(op, s.groupResource, time.Since(start), *err)
}
