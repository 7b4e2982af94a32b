# test_build_find_nvcc.cmake — `cmake -DGENER_SOURCE_DIR=... -DWORK=... -P`: gener_locate_nvcc finds nvcc off PATH
# in a toolkit root, CUDA_HOME wins over the fixed roots, and an explicit CUDACXX is left alone.
cmake_minimum_required(VERSION 3.24)
include(${GENER_SOURCE_DIR}/cmake/find_nvcc.cmake)
macro(expect_eq got want what)
  if(NOT "${got}" STREQUAL "${want}")
    message(FATAL_ERROR "${what}: got '${got}', want '${want}'")
  endif()
endmacro()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/empty-path ${WORK}/cuda-13.0/bin ${WORK}/home/bin ${WORK}/nodriver)
file(WRITE ${WORK}/cuda-13.0/bin/nvcc "#!/bin/sh\n")
file(WRITE ${WORK}/home/bin/nvcc "#!/bin/sh\n")
file(CHMOD ${WORK}/cuda-13.0/bin/nvcc ${WORK}/home/bin/nvcc PERMISSIONS OWNER_READ OWNER_EXECUTE)
set(ENV{PATH} ${WORK}/empty-path)  # nvcc is not on PATH
foreach(v CUDACXX CUDA_HOME CUDA_PATH CUDA_ROOT CUDA_TOOLKIT_ROOT)
  unset(ENV{${v}})
endforeach()
set(GENER_PYTHON_NVIDIA_DIRS "")
set(GENER_NVCC_SEARCH_ROOTS ${WORK}/missing ${WORK}/nodriver ${WORK}/cuda-13.0)

gener_nvcc_candidates(c)
expect_eq("${c}" "${WORK}/cuda-13.0/bin/nvcc" "candidates without CUDA_HOME")
gener_locate_nvcc()
expect_eq("$ENV{CUDACXX}" "${WORK}/cuda-13.0/bin/nvcc" "CUDACXX after locating")
expect_eq("${GENER_LOCATED_NVCC}" "${WORK}/cuda-13.0/bin/nvcc" "GENER_LOCATED_NVCC")

unset(ENV{CUDACXX})
set(ENV{CUDA_HOME} ${WORK}/home)
gener_locate_nvcc()
expect_eq("$ENV{CUDACXX}" "${WORK}/home/bin/nvcc" "CUDA_HOME first")

set(ENV{CUDACXX} /explicit/nvcc)
gener_locate_nvcc()
expect_eq("$ENV{CUDACXX}" "/explicit/nvcc" "explicit CUDACXX kept")
expect_eq("${GENER_LOCATED_NVCC}" "" "nothing located when CUDACXX is set")

unset(ENV{CUDACXX})
unset(ENV{CUDA_HOME})
set(GENER_NVCC_SEARCH_ROOTS ${WORK}/missing)
gener_locate_nvcc()
expect_eq("$ENV{CUDACXX}" "" "no candidate: CUDACXX stays unset")
message(STATUS "find_nvcc: all checks passed")
