# python_nvidia.cmake — gener_python_nvidia_dirs(<out>): the site-packages/nvidia folders of the Python on PATH
# (PyTorch's CUDA wheels: nvidia/cudnn, nvidia/cublas, nvidia/cu13, ...), or GENER_PYTHON_NVIDIA_DIRS when set.
include_guard(GLOBAL)

function(gener_python_nvidia_dirs out)
  if(DEFINED GENER_PYTHON_NVIDIA_DIRS)
    set(${out} ${GENER_PYTHON_NVIDIA_DIRS} PARENT_SCOPE)
    return()
  endif()
  if(NOT DEFINED CACHE{GENER_PYTHON_NVIDIA_DIRS_FOUND})
    set(dirs)
    find_program(_gener_python NAMES python3 python NO_CACHE)
    if(_gener_python)
      # nvidia is a namespace package: every folder on its __path__ counts.
      execute_process(
        COMMAND ${_gener_python} -c "import nvidia; print(';'.join(sorted(set(nvidia.__path__))))"
        OUTPUT_VARIABLE dirs OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc TIMEOUT 30)
      if(NOT rc EQUAL 0)
        set(dirs)
      endif()
    endif()
    set(GENER_PYTHON_NVIDIA_DIRS_FOUND "${dirs}" CACHE INTERNAL "site-packages/nvidia folders of python3")
  endif()
  set(${out} ${GENER_PYTHON_NVIDIA_DIRS_FOUND} PARENT_SCOPE)
endfunction()

# gener_python_nvidia_subdirs(<out> <sub>...) — for each nvidia folder D and each name S: D/S when it exists.
function(gener_python_nvidia_subdirs out)
  gener_python_nvidia_dirs(dirs)
  set(found)
  foreach(d ${dirs})
    foreach(s ${ARGN})
      file(GLOB hits LIST_DIRECTORIES true "${d}/${s}")
      foreach(h ${hits})
        if(IS_DIRECTORY "${h}")
          list(APPEND found "${h}")
        endif()
      endforeach()
    endforeach()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()
