# cudnn.cmake — cuDNN and cuBLAS as imported targets gener::cudnn and gener::cublas. Libraries are found by plain
# or versioned name (PyTorch's wheels ship only libcudnn.so.9 / libcublas.so.13) in CUDNN_ROOT, the CUDA toolkit
# and the Python wheels' folders; headers likewise, then in GENER_CUDA_FALLBACK_INCLUDE (headers carried along).
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/cuda_find.cmake)

# ---- cuDNN ----
gener_find_cuda_library(CUDNN cudnn.h cudnn libcudnn.so.9 libcudnn.so.8)
if(CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY)
  gener_so_version(GENER_CUDNN_LIB_VERSION "${CUDNN_LIBRARY}")
  set(_ver_h "${CUDNN_INCLUDE_DIR}/cudnn_version.h")
  if(NOT EXISTS "${_ver_h}")
    set(_ver_h "${CUDNN_INCLUDE_DIR}/cudnn.h")
  endif()
  gener_header_define(GENER_CUDNN_HEADER_MAJOR "${_ver_h}" CUDNN_MAJOR)
  gener_header_define(_minor "${_ver_h}" CUDNN_MINOR)
  string(REGEX MATCH "^[0-9]+" _lib_major "${GENER_CUDNN_LIB_VERSION}")
  if(_lib_major AND GENER_CUDNN_HEADER_MAJOR AND NOT _lib_major STREQUAL GENER_CUDNN_HEADER_MAJOR)
    message(FATAL_ERROR "cuDNN headers ${CUDNN_INCLUDE_DIR} are version ${GENER_CUDNN_HEADER_MAJOR}.${_minor} but "
                        "${CUDNN_LIBRARY} is ${GENER_CUDNN_LIB_VERSION}: set CUDNN_ROOT to one installation")
  endif()
  if(NOT TARGET gener::cudnn)
    add_library(gener::cudnn UNKNOWN IMPORTED)
    set_target_properties(gener::cudnn PROPERTIES
      IMPORTED_LOCATION "${CUDNN_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}")
  endif()
  message(STATUS "gener: cuDNN ${CUDNN_LIBRARY} (${GENER_CUDNN_LIB_VERSION}), headers ${CUDNN_INCLUDE_DIR} "
                 "(${GENER_CUDNN_HEADER_MAJOR}.${_minor})")
else()
  message(STATUS "gener: cuDNN not found (library: ${CUDNN_LIBRARY}, headers: ${CUDNN_INCLUDE_DIR}; set CUDNN_ROOT)")
endif()

# ---- cuBLAS: the toolkit's CUDA::cublas when FindCUDAToolkit made one, else by name as cuDNN ----
if(NOT TARGET gener::cublas)
  if(TARGET CUDA::cublas)
    add_library(gener::cublas INTERFACE IMPORTED)
    set_target_properties(gener::cublas PROPERTIES INTERFACE_LINK_LIBRARIES CUDA::cublas)
    message(STATUS "gener: cuBLAS from the CUDA toolkit")
  else()
    gener_find_cuda_library(CUBLAS cublas_v2.h cublas libcublas.so.13 libcublas.so.12)
    if(CUBLAS_LIBRARY AND CUBLAS_INCLUDE_DIR)
      add_library(gener::cublas UNKNOWN IMPORTED)
      set_target_properties(gener::cublas PROPERTIES
        IMPORTED_LOCATION "${CUBLAS_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CUBLAS_INCLUDE_DIR}")
      message(STATUS "gener: cuBLAS ${CUBLAS_LIBRARY}, headers ${CUBLAS_INCLUDE_DIR}")
    else()
      message(STATUS "gener: cuBLAS not found (library: ${CUBLAS_LIBRARY}, headers: ${CUBLAS_INCLUDE_DIR})")
    endif()
  endif()
endif()
