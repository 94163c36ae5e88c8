// The kernel families addon.cpp registers besides gemm, each in its own file: they add their
// functions to the module's exports and return false when N-API fails.
#pragma once

#include <node_api.h>

namespace dusk {
bool registerGroupBy(napi_env env, napi_value exports);
bool registerGroupStates(napi_env env, napi_value exports);
bool registerFilterMask(napi_env env, napi_value exports);
bool registerDictionary(napi_env env, napi_value exports);
bool registerColumnTally(napi_env env, napi_value exports);
}
