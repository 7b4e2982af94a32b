# test_build_find_cudnn.cmake — `cmake -DGENER_SOURCE_DIR=... -DWORK=... -P`: cuDNN is found by its versioned name
# (libcudnn.so.9 only, as in PyTorch's wheel) in a wheel's nvidia/cudnn folder, headers in the wheel or else in
# the fallback include folder, and the version is read from both the file name and the header.
cmake_minimum_required(VERSION 3.24)
include(${GENER_SOURCE_DIR}/cmake/cuda_find.cmake)
macro(expect_eq got want what)
  if(NOT "${got}" STREQUAL "${want}")
    message(FATAL_ERROR "${what}: got '${got}', want '${want}'")
  endif()
endmacro()

file(REMOVE_RECURSE ${WORK})
set(wheel ${WORK}/site-packages/nvidia)
file(MAKE_DIRECTORY ${wheel}/cudnn/lib ${wheel}/cu13/lib ${WORK}/fallback ${WORK}/empty-path)
file(WRITE ${wheel}/cudnn/lib/libcudnn.so.9.13.1 "")
file(CREATE_LINK libcudnn.so.9.13.1 ${wheel}/cudnn/lib/libcudnn.so.9 SYMBOLIC)
file(WRITE ${wheel}/cu13/lib/libcublas.so.13 "")
file(WRITE ${WORK}/fallback/cudnn.h "#include \"cudnn_version.h\"\n")
file(WRITE ${WORK}/fallback/cudnn_version.h "#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 19\n")
file(WRITE ${WORK}/fallback/cublas_v2.h "")
set(ENV{PATH} ${WORK}/empty-path)  # find_library also searches <PATH entry>/../lib
unset(ENV{CUDNN_ROOT})
unset(ENV{CUBLAS_ROOT})
set(GENER_PYTHON_NVIDIA_DIRS ${wheel})

# No headers in the wheel and no fallback: the library is found, the header is not.
gener_find_cuda_library(CUDNN cudnn.h cudnn libcudnn.so.9 libcudnn.so.8)
expect_eq("${CUDNN_LIBRARY}" "${wheel}/cudnn/lib/libcudnn.so.9" "cuDNN library by versioned name")
if(CUDNN_INCLUDE_DIR)
  message(FATAL_ERROR "cudnn.h found where there is none: ${CUDNN_INCLUDE_DIR}")
endif()

# With the fallback folder the header comes from there.
unset(CUDNN_LIBRARY CACHE)
unset(CUDNN_INCLUDE_DIR CACHE)
set(GENER_CUDA_FALLBACK_INCLUDE ${WORK}/fallback)
gener_find_cuda_library(CUDNN cudnn.h cudnn libcudnn.so.9)
expect_eq("${CUDNN_INCLUDE_DIR}" "${WORK}/fallback" "cudnn.h from the fallback folder")
gener_so_version(v "${CUDNN_LIBRARY}")
expect_eq("${v}" "9.13.1" "library version from the resolved file name")
gener_header_define(major "${CUDNN_INCLUDE_DIR}/cudnn_version.h" CUDNN_MAJOR)
expect_eq("${major}" "9" "CUDNN_MAJOR from the header")

# Headers in the wheel win over the fallback.
file(MAKE_DIRECTORY ${wheel}/cudnn/include)
file(WRITE ${wheel}/cudnn/include/cudnn.h "")
unset(CUDNN_LIBRARY CACHE)
unset(CUDNN_INCLUDE_DIR CACHE)
gener_find_cuda_library(CUDNN cudnn.h cudnn libcudnn.so.9)
expect_eq("${CUDNN_INCLUDE_DIR}" "${wheel}/cudnn/include" "cudnn.h from the wheel")

# cuBLAS in the CUDA 13 wheels' shared nvidia/cu13/lib, by versioned name.
gener_find_cuda_library(CUBLAS cublas_v2.h cublas libcublas.so.13 libcublas.so.12)
expect_eq("${CUBLAS_LIBRARY}" "${wheel}/cu13/lib/libcublas.so.13" "cuBLAS in nvidia/cu13/lib")
expect_eq("${CUBLAS_INCLUDE_DIR}" "${WORK}/fallback" "cublas_v2.h from the fallback folder")
message(STATUS "find_cudnn: all checks passed")
