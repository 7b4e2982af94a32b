# werror.cmake — gener_default_werror(<out> <compiler id> <version>): warnings are errors by default only with the
# compiler the project is built and tested with (Debian 12's GCC 12); any other compiler may warn about new things,
# which must not stop a build (a GPU machine's newer GCC, say). -DGENER_WERROR=ON/OFF overrides.
include_guard(GLOBAL)

set(GENER_WERROR_COMPILERS "GNU:12" CACHE STRING "ID:MAJOR of compilers whose warnings are errors by default")
mark_as_advanced(GENER_WERROR_COMPILERS)

function(gener_default_werror out id version)
  string(REGEX MATCH "^[0-9]+" major "${version}")
  set(on OFF)
  foreach(known ${GENER_WERROR_COMPILERS})
    if("${id}:${major}" STREQUAL "${known}")
      set(on ON)
    endif()
  endforeach()
  set(${out} ${on} PARENT_SCOPE)
endfunction()
