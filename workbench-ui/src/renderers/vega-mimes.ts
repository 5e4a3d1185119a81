// The mime types the Vega-Lite renderer takes; a module of its own so registering the renderer at
// start-up pulls nothing else of it into the first page.
export const VEGA_LITE_MIMES = ['application/vnd.vegalite.v5+json', 'application/vnd.vegalite.v6+json', 'application/vnd.vegalite+json'];
