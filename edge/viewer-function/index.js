// CloudFront Function (runtime cloudfront-js-2.0), viewer-request on the public behaviours
// (edge/routes.json: viewer "cloudfront-function"). It does what the S3 origin cannot, so no
// Lambda@Edge runs on public pages:
// - the directory index: /x/ is fetched as /x/index.html, and a GET/HEAD of /x (no dot in the
//   last segment) answers 301 /x/;
// - canonical paths: a URI whose decoded, dot-resolved, re-encoded form differs from the one
//   received (encoded slashes or dots, //, /./, /../, lower-case escapes) answers 301 to the
//   canonical form; one that cannot be decoded, or holds a control character or a backslash,
//   answers 400. So no request reaches S3 under a name other than its canonical one.
// The template inlines this file (a sam-checks test keeps them equal); shop-local runs the
// same cases (edge/viewer-function/cases.json) against its Rust twin, edge::viewer_function.

// encodeURIComponent escapes these RFC 3986 sub-delims, which a path may hold as they are.
var KEEP = { '%24': '$', '%26': '&', '%2B': '+', '%2C': ',', '%3B': ';', '%3D': '=', '%3A': ':', '%40': '@' };

function encodeSegment(s) {
  return encodeURIComponent(s).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, function (m) {
    return KEEP[m];
  });
}

// The canonical form of a path, or null when it has none.
function canonical(uri) {
  if (uri.charAt(0) !== '/') return null;
  var decoded;
  try {
    decoded = decodeURIComponent(uri);
  } catch (e) {
    return null;
  }
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return null;
  var segments = decoded.split('/');
  var out = [];
  for (var i = 0; i < segments.length; i++) {
    var s = segments[i];
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(encodeSegment(s));
  }
  var last = segments[segments.length - 1];
  var path = '/' + out.join('/');
  if (out.length > 0 && (last === '' || last === '.' || last === '..')) path += '/';
  return path;
}

function query(qs) {
  var parts = [];
  for (var name in qs) {
    var q = qs[name];
    var values = q.multiValue ? q.multiValue : [q];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

function redirect(location) {
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: location }, 'cache-control': { value: 'max-age=3600' } },
  };
}

function handler(event) {
  var request = event.request;
  var path = canonical(request.uri);
  if (path === null) return { statusCode: 400, statusDescription: 'Bad Request' };
  if (path !== request.uri) return redirect(path + query(request.querystring));
  if (path.charAt(path.length - 1) === '/') {
    request.uri = path + 'index.html';
    return request;
  }
  var last = path.slice(path.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1 && (request.method === 'GET' || request.method === 'HEAD')) {
    return redirect(path + '/' + query(request.querystring));
  }
  return request;
}
