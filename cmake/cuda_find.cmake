# cuda_find.cmake — functions that find a CUDA library and its headers by plain or versioned name in the toolkit,
# a <PREFIX>_ROOT, the Python wheels' folders and a fallback include folder; used by cudnn.cmake, tested in script mode.
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/python_nvidia.cmake)

# gener_so_version(<out> <library path>) — the version a shared library's resolved file name carries
# (libcudnn.so.9.19.0 → 9.19.0), empty when it carries none.
function(gener_so_version out lib)
  get_filename_component(real "${lib}" REALPATH)
  get_filename_component(name "${real}" NAME)
  set(v "")
  if(name MATCHES "\\.so\\.([0-9][0-9.]*)$")
    set(v "${CMAKE_MATCH_1}")
  endif()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

# gener_header_define(<out> <header> <macro>) — the integer value of `#define MACRO N` in a header, or empty.
function(gener_header_define out header macro)
  set(v "")
  if(EXISTS "${header}")
    file(STRINGS "${header}" line REGEX "^#define[ \t]+${macro}[ \t]+[0-9]+")
    if(line MATCHES "${macro}[ \t]+([0-9]+)")
      set(v "${CMAKE_MATCH_1}")
    endif()
  endif()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

# gener_find_cuda_library(<prefix> <header> <names...>) — sets <prefix>_LIBRARY and <prefix>_INCLUDE_DIR
# (cache), searching <prefix>_ROOT, the toolkit, the wheel folders (nvidia/<lower prefix>, nvidia/cu*), then
# system paths; the header last also in GENER_CUDA_FALLBACK_INCLUDE.
function(gener_find_cuda_library prefix header)
  string(TOLOWER "${prefix}" lower)
  gener_python_nvidia_subdirs(wheel ${lower} cu[0-9]*)
  set(hints ${${prefix}_ROOT} $ENV{${prefix}_ROOT} ${wheel} ${CUDAToolkit_LIBRARY_ROOT})
  set(lib_hints ${hints} ${CUDAToolkit_LIBRARY_DIR})
  set(inc_hints ${hints} ${CUDAToolkit_INCLUDE_DIRS})
  find_library(${prefix}_LIBRARY NAMES ${ARGN} HINTS ${lib_hints}
               PATH_SUFFIXES lib64 lib lib/x86_64-linux-gnu targets/x86_64-linux/lib)
  find_path(${prefix}_INCLUDE_DIR ${header} HINTS ${inc_hints}
            PATH_SUFFIXES include include/x86_64-linux-gnu targets/x86_64-linux/include)
  if(NOT ${prefix}_INCLUDE_DIR AND GENER_CUDA_FALLBACK_INCLUDE)
    unset(${prefix}_INCLUDE_DIR CACHE)
    find_path(${prefix}_INCLUDE_DIR ${header} HINTS ${GENER_CUDA_FALLBACK_INCLUDE} NO_DEFAULT_PATH)
  endif()
endfunction()
