# MPI (GENER_MPI=AUTO|ON|OFF) into GENER_HAVE_MPI and MPI::MPI_C; NCCL, found by path beside the CUDA toolkit
# (NCCL_ROOT overrides), into GENER_HAVE_NCCL and the imported target gener::nccl when CUDA and MPI are on.
set(GENER_HAVE_MPI OFF)
if(NOT GENER_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS C QUIET)
  if(MPI_C_FOUND)
    set(GENER_HAVE_MPI ON)
  elseif(GENER_MPI STREQUAL "ON")
    message(FATAL_ERROR "GENER_MPI=ON but MPI was not found (apt-get install libopenmpi-dev openmpi-bin)")
  endif()
endif()
set(GENER_MPI_IS_OPEN_MPI OFF)  # the test launcher flags (--oversubscribe, --bind-to none) are Open MPI's
if(GENER_HAVE_MPI AND MPIEXEC_EXECUTABLE)
  execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE gener_mpiexec_version ERROR_QUIET)
  if(gener_mpiexec_version MATCHES "Open MPI|OpenRTE")
    set(GENER_MPI_IS_OPEN_MPI ON)
  endif()
endif()
message(STATUS "gener: MPI ${GENER_HAVE_MPI} (GENER_MPI=${GENER_MPI}) ${MPIEXEC_EXECUTABLE}")

set(GENER_HAVE_NCCL OFF)
if(GENER_HAVE_CUDA AND GENER_HAVE_MPI)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${CUDAToolkit_INCLUDE_DIRS}
            PATH_SUFFIXES include)
  find_library(NCCL_LIBRARY NAMES nccl HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${CUDAToolkit_LIBRARY_DIR}
               ${CUDAToolkit_LIBRARY_ROOT} PATH_SUFFIXES lib lib64)
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    add_library(gener::nccl UNKNOWN IMPORTED)
    set_target_properties(gener::nccl PROPERTIES IMPORTED_LOCATION "${NCCL_LIBRARY}"
                          INTERFACE_INCLUDE_DIRECTORIES "${NCCL_INCLUDE_DIR}")
    set(GENER_HAVE_NCCL ON)
  endif()
  message(STATUS "gener: NCCL ${GENER_HAVE_NCCL} ${NCCL_LIBRARY}")
endif()
